"""Tests of the benchmark command (bench/)."""
