"""Root pytest configuration: shared fixtures for every app's tests."""

pytest_plugins = ["atd.testing.fixtures"]
