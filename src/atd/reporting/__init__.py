"""Cohort status reports, KPIs, cost reports and exports."""
