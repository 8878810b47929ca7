"""Fictional KommunKompassen reports with known truth, for tests and evaluation (generate.py)."""
