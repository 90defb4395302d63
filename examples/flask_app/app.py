"""An ordinary Flask app with its own routes, and a convexhttp app mounted at /hooks.

``convex/`` holds the convexhttp side, laid out as a Convex app: the router
(``http.py``), the functions (``messages.py``) and the tables (``schema.py``).
Flask's own views run the same functions through the deployment.

Run it (from the repository root)::

    gunicorn examples.flask_app.app:app --bind 127.0.0.1:8000 --workers 2

    curl -i -X POST http://127.0.0.1:8000/hooks/postMessage -d '{"author": "ada", "body": "hi"}'
    curl -i http://127.0.0.1:8000/hooks/messages/0
    curl -i http://127.0.0.1:8000/messages
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from convexhttp import Deployment, api
from convexhttp.adapters.flask import blueprint

from .convex.http import http

# convexhttp logs one INFO line per request on the "convexhttp" logger.
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

# The router, its functions (the package it lives in) and the database
# ($CONVEXHTTP_DATABASE, else ./convexhttp.sqlite3).
deployment = Deployment(http)

app = Flask(__name__)
app.register_blueprint(blueprint(deployment, url_prefix="/hooks"))


@app.route("/")
def index() -> ResponseReturnValue:
    return "A Flask app; its HTTP actions live under /hooks.\n"


@app.route("/messages")
def messages() -> ResponseReturnValue:
    return jsonify(deployment.run_query(api.messages.list))
