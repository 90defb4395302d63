"""The async view of a request (``Request._as_async()``): awaitable readers, shared state."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest

from convexhttp.fetch import AsyncRequest, Blob, FormData, Headers, Request


def _run(awaitable: Any) -> Any:
    async def wrapper() -> Any:
        return await awaitable

    return asyncio.run(wrapper())


def _post(body: Any, **kwargs: Any) -> Request:
    return Request("http://a.test/", method="POST", body=body, **kwargs)


def test_readers_are_awaitable() -> None:
    assert _run(_post('{"a": 1}')._as_async().json()) == {"a": 1}
    assert _run(_post("text")._as_async().text()) == "text"
    assert _run(_post(b"raw")._as_async().array_buffer()) == b"raw"
    assert _run(_post(b"raw")._as_async().arrayBuffer()) == b"raw"
    assert _run(_post(b"raw")._as_async().bytes()) == b"raw"
    blob = _run(_post(Blob(["b"], type="a/b"))._as_async().blob())
    assert (blob.text(), blob.type) == ("b", "a/b")
    form = _run(_post(FormData({"k": "v"}))._as_async().form_data())
    assert form.get("k") == "v"
    assert (
        _run(
            _post("k=v", headers={"content-type": "application/x-www-form-urlencoded"})
            ._as_async()
            .formData()
        ).get("k")
        == "v"
    )


def test_body_state_is_shared() -> None:
    request = _post("once")
    view = request._as_async()
    assert isinstance(view, AsyncRequest)
    assert _run(view.text()) == "once"
    assert request.body_used
    assert view.body_used
    with pytest.raises(TypeError):
        request.text()


def test_attributes_are_shared_both_ways() -> None:
    request = Request._from_server(
        "http://a.test/p/1", "GET", Headers({"a": "1"}), None, max_body_size=10
    )
    view = request._as_async()
    request.route = "/p/:id"
    request.path_params = {"id": "1"}
    assert view.route == "/p/:id"
    assert view.params == {"id": "1"}
    assert (view.url, view.method, view.headers) == (request.url, "GET", request.headers)
    view.route = "/other"
    assert request.route == "/other"


def test_server_body_through_async_view() -> None:
    request = Request._from_server(
        "http://a.test/", "POST", Headers(), io.BytesIO(b"[1, 2]"), max_body_size=100
    )
    assert _run(request._as_async().json()) == [1, 2]


def test_async_clone_is_async() -> None:
    view = _post("twice")._as_async()
    twin = view.clone()
    assert isinstance(twin, AsyncRequest)
    assert _run(twin.text()) == "twice"
    assert _run(view.text()) == "twice"


def test_async_request_can_be_built_directly() -> None:
    request = AsyncRequest("http://a.test/", {"method": "POST", "body": "x"})
    assert _run(request.text()) == "x"
