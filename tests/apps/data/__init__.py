"""The functions package of the data tests (tests/data/): a schema and functions that run
whatever body a test hands them, so a test sees ``ctx`` exactly as a function does."""
