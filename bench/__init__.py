"""Benchmarks of the sieuapp host against bare Flask baselines measured in the same run.

Run ``uv run python -m bench`` from the repository root; see ``bench/README.md``.
"""
