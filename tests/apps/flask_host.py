"""The Flask host of the behaviour suite: an ordinary app with the router mounted at /hooks."""

from __future__ import annotations

import logging

from flask import Flask, Response, g

from convexhttp.adapters.flask import blueprint
from tests.apps.behaviour.http import http

# Show the router's one line per request (INFO on "convexhttp") in the server's output.
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

app = Flask(__name__)
app.register_blueprint(blueprint(http, url_prefix="/hooks"))


@app.before_request
def mark_request() -> None:
    g.seen_by_hook = True


@app.errorhandler(404)
def flask_not_found(error: Exception) -> tuple[str, int]:
    return "flask's own 404", 404


@app.route("/native")
def native() -> Response:
    return Response(f"native seen_by_hook={g.seen_by_hook}", mimetype="text/plain")
