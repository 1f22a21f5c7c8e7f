"""Device inventory, shipments, assignment and return, device credentials."""
