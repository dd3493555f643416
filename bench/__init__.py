"""Benchmarks: ``python -m bench NAME [--json] [--quick]``. They measure; they never assert."""
