"""Benchmarks: ``python -m bench`` (dshell against kubectl, bench/RESULTS.md); see bench/runner.py."""
