"""Telemetry ingestion, positions, device events, geofence evaluation, retention."""
