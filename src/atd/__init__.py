"""atd: case management and electronic monitoring for Alternatives to Detention."""
