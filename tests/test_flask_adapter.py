"""The Flask blueprint as Flask users see it (the wire behaviour is in test_behaviour.py)."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, Response, current_app, g
from flask.testing import FlaskClient

from convexhttp import ActionCtx, Request, http_router
from convexhttp import Response as FetchResponse
from convexhttp.adapters.flask import blueprint

http = http_router()


def who(ctx: ActionCtx, request: Request) -> FetchResponse:
    return FetchResponse.json(
        {
            "app": current_app.name,
            "hook": g.get("hook"),
            "url": request.url,
            "params": request.path_params,
        }
    )


def untyped(ctx: ActionCtx, request: Request) -> FetchResponse:
    return FetchResponse(b"raw bytes")


def cookies(ctx: ActionCtx, request: Request) -> FetchResponse:
    response = FetchResponse("ok")
    response.headers.append("Set-Cookie", "a=1")
    response.headers.append("Set-Cookie", "b=2")
    return response


http.route(path="/who/:name", method=["GET", "POST"], handler=who)
http.route(path="/untyped", handler=untyped)
http.route(path="/cookies", handler=cookies)


def make_app(**register: str) -> Flask:
    app = Flask("hostapp")
    app.register_blueprint(blueprint(http, url_prefix="/hooks", functions=__name__), **register)

    @app.before_request
    def hook() -> None:
        g.hook = "ran"

    @app.after_request
    def stamp(response: Response) -> Response:
        response.headers["X-After"] = "1"
        return response

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "flask 404", 404

    @app.route("/native")
    def native() -> str:
        return f"native {g.hook}"

    return app


@pytest.fixture
def client() -> FlaskClient:
    return make_app().test_client()


def test_handlers_run_in_flasks_contexts(client: FlaskClient) -> None:
    r = client.get("/hooks/who/ada?x=1")
    assert r.status_code == 200
    assert r.json == {
        "app": "hostapp",
        "hook": "ran",
        "url": "http://localhost/hooks/who/ada?x=1",
        "params": {"name": "ada"},
    }
    assert r.headers["X-After"] == "1"  # the app's after_request applies, as to any view


def test_flask_routes_and_error_handlers_keep_working(client: FlaskClient) -> None:
    assert client.get("/native").text == "native ran"
    assert client.get("/elsewhere").text == "flask 404"
    r = client.get("/hooks/nope")  # below the prefix the router answers, not Flask
    assert (r.status_code, r.text) == (404, "No HttpAction routed for /hooks/nope")


def test_raw_path_reaches_the_router(client: FlaskClient) -> None:
    assert client.get("/hooks/who/a%2Fb").json["params"] == {"name": "a/b"}  # type: ignore[index]
    assert client.get("/hooks/who/caf%C3%A9").json["params"] == {"name": "café"}  # type: ignore[index]


@pytest.mark.parametrize("path", ["/hooks/who/x/", "/hooks//who/x", "/hooks/"])
def test_no_werkzeug_redirects_below_the_prefix(client: FlaskClient, path: str) -> None:
    r = client.get(path)
    assert (r.status_code, r.text) == (404, f"No HttpAction routed for {path}")


def test_mount_follows_register_blueprint_prefix() -> None:
    client = make_app(url_prefix="/other").test_client()
    assert client.get("/other/who/x").json["url"] == "http://localhost/other/who/x"  # type: ignore[index]
    assert client.get("/hooks/who/x").text == "flask 404"


def test_script_root_is_part_of_the_url(client: FlaskClient) -> None:
    r = client.get("/hooks/who/x", base_url="http://localhost/app/")
    assert r.json["url"] == "http://localhost/app/hooks/who/x"  # type: ignore[index]


def test_headers_are_the_routers(client: FlaskClient) -> None:
    r = client.get("/hooks/untyped")
    assert "Content-Type" not in r.headers  # no text/html default of Flask's
    assert r.headers["Content-Length"] == "9"
    assert r.headers.getlist("Set-Cookie") == []
    assert client.get("/hooks/cookies").headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_head_keeps_content_length_and_options_is_the_routers(client: FlaskClient) -> None:
    r = client.head("/hooks/untyped")
    assert (r.status_code, r.headers["Content-Length"], r.data) == (200, "9", b"")
    r = client.options("/hooks/who/x")
    assert (r.status_code, r.headers["Allow"]) == (204, "GET, HEAD, POST, OPTIONS")


def test_every_method_reaches_the_router(client: FlaskClient) -> None:
    r = client.open("/hooks/who/x", method="TRACE")  # not Flask's HTML 405
    assert (r.status_code, r.headers["Allow"]) == (405, "GET, HEAD, POST, OPTIONS")
    assert r.text == "Method Not Allowed"


def test_nested_blueprint() -> None:
    app = Flask("nested")
    parent = Blueprint("api", __name__, url_prefix="/api")
    parent.register_blueprint(blueprint(http, url_prefix="/hooks", functions=__name__))
    app.register_blueprint(parent)
    r = app.test_client().get("/api/hooks/who/x")
    assert r.json["url"] == "http://localhost/api/hooks/who/x"  # type: ignore[index]


def test_prefix_with_converters() -> None:
    app = Flask("tenants")
    app.register_blueprint(blueprint(http, url_prefix="/<tenant>/hooks", functions=__name__))
    r = app.test_client().get("/acme/hooks/who/a%2Fb")
    assert r.json["url"] == "http://localhost/acme/hooks/who/a%2Fb"  # type: ignore[index]
    assert r.json["params"] == {"name": "a/b"}  # type: ignore[index]


def test_mounted_at_the_root_beside_flask_routes() -> None:
    app = Flask("root")
    app.register_blueprint(blueprint(http, functions=__name__))

    @app.route("/native")
    def native() -> str:
        return "native"

    client = app.test_client()
    assert client.get("/native").text == "native"
    assert client.get("/who/x").json["url"] == "http://localhost/who/x"  # type: ignore[index]
    assert client.get("/").text == "No HttpAction routed for /"


def test_behaviour_host_app_keeps_its_own_route() -> None:
    from tests.apps.flask_host import app

    client = app.test_client()
    assert client.get("/native").text == "native seen_by_hook=True"
    assert client.get("/elsewhere").text == "flask's own 404"


def test_the_apps_max_content_length_bounds_the_body_when_stricter() -> None:
    app = make_app()
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    client = app.test_client()
    r = client.post("/hooks/who/x", data=b"z" * (5 * 1024 * 1024))
    assert (r.status_code, r.text) == (413, "Payload Too Large")
    assert client.post("/hooks/who/x", data=b"z" * 1024).status_code == 200
    app.config["MAX_CONTENT_LENGTH"] = 10**12  # looser than ours: ours holds
    r = client.post("/hooks/who/x", data=b"z" * (21 * 1024 * 1024))
    assert r.status_code == 413


def test_static_routes_under_a_prefix_are_the_routers_exactly() -> None:
    # Under a url_prefix the router's static paths have werkzeug rules of their own; the
    # router still decides, on the raw path, and a route added later is served too.
    router = http_router()
    router.route(path="/stripe", method="POST", handler=untyped)
    app = Flask("static")
    app.register_blueprint(blueprint(router, url_prefix="/hooks", functions=__name__))
    router.route(path="/later", handler=untyped)
    client = app.test_client()
    assert client.post("/hooks/stripe").data == b"raw bytes"
    assert client.get("/hooks/later").data == b"raw bytes"
    r = client.get("/hooks/stripe")
    assert (r.status_code, r.headers["Allow"]) == (405, "POST, OPTIONS")
    for path in ("/hooks/stripe/", "/hooks/%73tripe"):
        r = client.post(path)
        expected = 404 if path.endswith("/") else 200  # %73 is "s": the same path
        assert r.status_code == expected, path


def test_a_limit_set_on_the_request_applies() -> None:
    # Flask 3.1: request.max_content_length set in a hook bounds this request's body.
    app = make_app()

    @app.before_request
    def small() -> None:
        from flask import request

        request.max_content_length = 10

    client = app.test_client()
    r = client.post("/hooks/who/x", data=b"z" * 11)
    assert (r.status_code, r.text) == (413, "Payload Too Large")
    assert client.post("/hooks/who/x", data=b"z" * 10).status_code == 200


def test_blueprint_hooks_apply_to_the_routers_requests() -> None:
    bp = blueprint(http, url_prefix="/hooks", functions=__name__)

    @bp.after_request
    def tag(response: Response) -> Response:
        response.headers["X-Blueprint"] = "1"
        return response

    app = Flask("bphooks")
    app.register_blueprint(bp)
    client = app.test_client()
    for path in ("/hooks/untyped", "/hooks/who/x", "/hooks/nothing"):
        assert client.get(path).headers.get("X-Blueprint") == "1", path
