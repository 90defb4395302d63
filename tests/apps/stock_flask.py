"""A Flask app as its docs start one, under plain gunicorn: no logging configured anywhere."""

from __future__ import annotations

from flask import Flask

from convexhttp.adapters.flask import blueprint
from tests.apps.behaviour.http import http

app = Flask(__name__)
app.register_blueprint(blueprint(http, url_prefix="/hooks"))
