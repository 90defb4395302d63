"""The functions package ``benchmarks/store.py`` runs: chat messages, as a Convex app's ``convex/``."""
