"""The HTTP face of ailex: JSON API under /api and the search page at /."""
