"""Benchmarks (``make bench``): each part prints its numbers and adds them to bench/results.json."""
