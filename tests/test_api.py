"""The public surface (SPEC 2): one import line is all a handler file needs."""

from __future__ import annotations

from typing import Any

import pytest

import convexhttp
from convexhttp import Headers, Request, Response, http_action, http_router


def test_convex_spellings_are_the_same_objects() -> None:
    assert convexhttp.httpRouter is http_router
    assert convexhttp.httpAction is http_action
    assert Headers.getSetCookie is Headers.get_set_cookie
    assert Request.arrayBuffer is Request.array_buffer
    assert http_router().getRoutes.__func__ is convexhttp.HttpRouter.routes  # type: ignore[attr-defined]


def test_http_action_keeps_the_function_and_refuses_non_callables() -> None:
    def handler(ctx: Any, request: Request) -> Response:
        return Response("ok")

    assert http_action(handler) is handler
    with pytest.raises(TypeError, match="http_action expects a function"):
        http_action("not a function")  # type: ignore[type-var]


def test_everything_exported_exists() -> None:
    for name in convexhttp.__all__:
        assert getattr(convexhttp, name) is not None


def test_errors_a_handler_may_meet_are_public_and_report_convexhttp() -> None:
    for name in [
        "MalformedBody",
        "BodyTooLarge",
        "FormTooLarge",
        "UnsupportedContentType",
        "StreamAborted",
        "File",
        "Request",
        "Response",
        "Headers",
        "HttpRouter",
        "RequestHead",
    ]:
        obj = getattr(convexhttp, name)
        assert name in convexhttp.__all__
        assert obj.__module__ == "convexhttp", name
    assert issubclass(convexhttp.MalformedBody, ValueError)
    assert issubclass(convexhttp.UnsupportedContentType, TypeError)
    assert not issubclass(convexhttp.BodyTooLarge, ValueError)


def test_every_fetch_module_says_what_it_exports() -> None:
    import importlib
    import pkgutil

    import convexhttp.fetch

    for info in pkgutil.iter_modules(convexhttp.fetch.__path__):
        module = importlib.import_module(f"convexhttp.fetch.{info.name}")
        assert isinstance(getattr(module, "__all__", None), list), info.name
        for name in module.__all__:
            assert hasattr(module, name), (info.name, name)
