"""A Flask app mounting the function API tests' router at /hooks: the function API is
served there too (/hooks/api/query), where Convex's clients find it."""

from __future__ import annotations

from flask import Flask

from convexhttp.adapters.flask import blueprint
from tests.apps.clients.http import http

app = Flask(__name__)
app.register_blueprint(blueprint(http, url_prefix="/hooks"))
