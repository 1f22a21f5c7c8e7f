"""The participant web app: check-in, obligations, requests."""
