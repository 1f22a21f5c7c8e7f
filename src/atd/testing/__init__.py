"""Test support shared by every app's tests: fixtures for a small world of offices, staff and cases."""
