"""The examples run under gunicorn exactly as their READMEs say."""

from __future__ import annotations

from pathlib import Path

import requests

from tests import support


def test_flask_example(tmp_path: Path) -> None:
    server = support.gunicorn(
        "examples.flask_app.app:app", tmp_path / "flask.log", "--workers", "2"
    )
    try:
        assert "Flask app" in requests.get(server.url + "/").text
        r = requests.post(server.url + "/hooks/postMessage", data='{"author": "ada", "body": "hi"}')
        assert (r.status_code, r.content) == (200, b"")
        assert requests.get(server.url + "/hooks/messages/0").json() == {
            "author": "ada",
            "body": "Sent via HTTP action: hi",
        }
        assert requests.get(server.url + "/messages").json() == [
            {"author": "ada", "body": "Sent via HTTP action: hi"}
        ]
        assert requests.get(server.url + "/hooks/messages/1").status_code == 404
        assert requests.get(server.url + "/hooks/postMessage").status_code == 405
        assert "/hooks/postMessage /postMessage 200" in server.output()  # the log line
    finally:
        server.stop()


def test_django_example(tmp_path: Path) -> None:
    server = support.gunicorn("examples.django_site.wsgi:application", tmp_path / "django.log")
    try:
        assert "Django site" in requests.get(server.url + "/").text
        r = requests.get(server.url + "/hooks/product/1")
        assert r.json() == {"route": "/product/:productId", "params": {"productId": "1"}}
        r = requests.post(
            server.url + "/hooks/send-message", data='{"author": "ada", "body": "hi"}'
        )
        assert (r.status_code, r.content) == (200, b"")
        stored = requests.get(server.url + "/hooks/messages").json()
        assert [(m["author"], m["body"]) for m in stored] == [("ada", "Sent via HTTP action: hi")]
    finally:
        server.stop()
