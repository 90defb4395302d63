"""The functions package of ``benchmarks/store.py``: chat messages, as a Convex app's ``convex/``."""
