"""Benchmarks: scripts that print tables of figures and ratios (never run by `make test`)."""
