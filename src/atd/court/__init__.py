"""Notices, report-by deadlines, hearings, outcomes and legal status."""
