"""Synthetic people, devices and movement for the demo, tests and benchmarks."""
