"""Shared utilities with no domain knowledge; every package may import kit."""
