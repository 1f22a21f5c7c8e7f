"""The shared kernel: audit log, roles and scope, errors, clock, geo helpers."""
