"""Reproducible benchmarks on synthetic data (not run in CI; no test asserts a timing)."""
