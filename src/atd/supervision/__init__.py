"""Supervision plans: technology, cadence, zones, curfew, level changes, cost rates."""
