"""Adapters: translate a host framework (WSGI, gunicorn, Flask, Django) to the core dispatch."""
