"""An ordinary Flask app with its own routes, and a convexhttp router mounted at /hooks.

Run it (from the repository root)::

    gunicorn examples.flask_app.app:app --bind 127.0.0.1:8000

    curl -i -X POST http://127.0.0.1:8000/hooks/postMessage -d '{"author": "ada", "body": "hi"}'
    curl -i http://127.0.0.1:8000/hooks/messages/0
    curl -i http://127.0.0.1:8000/messages
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from convexhttp.adapters.flask import blueprint

from .hooks import http

# convexhttp logs one INFO line per request on the "convexhttp" logger.
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

app = Flask(__name__)
app.extensions["messages"] = []
app.register_blueprint(blueprint(http, url_prefix="/hooks"))


@app.route("/")
def index() -> ResponseReturnValue:
    return "A Flask app; its HTTP actions live under /hooks.\n"


@app.route("/messages")
def messages() -> ResponseReturnValue:
    return jsonify(app.extensions["messages"])
