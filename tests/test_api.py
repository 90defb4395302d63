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
