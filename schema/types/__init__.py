"""Strawberry types only: no I/O, no business rules."""
