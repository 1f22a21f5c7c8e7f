"""Intake of release records: file readers, the record schema, and the batch import."""
