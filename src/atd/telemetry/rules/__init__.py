"""Pure telemetry rules: record decoding and validation, movement, zones, detector memory.

No Django and no I/O here (import-linter enforces it); `now` and settings are passed in.
"""
