"""Arrest/booking feeds, record linkage and the review queue."""
