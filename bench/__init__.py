"""Benchmarks for the Athena server. `python -m bench.events` runs the episodic-memory benchmark."""
