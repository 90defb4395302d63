"""A functions package with every way of declaring a function (tests/data/test_functions.py)."""
