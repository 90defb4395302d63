"""One behaviour suite, run through every host (SPEC 6): real servers on loopback."""

from __future__ import annotations

import re
import socket
import time
import uuid

import pytest
import requests

from tests.conftest import Host

MB = 1024 * 1024
REQUEST_ID = re.compile(r"^\[Request ID: ([0-9a-f]{16})\] Server Error$")


def raw_exchange(host: Host, head: str, chunks: list[bytes] = []) -> tuple[int, bytes]:  # noqa: B006
    """Send a hand-made request (the client may be cut off mid-body) and read the status."""
    with socket.create_connection(("127.0.0.1", host.server.port), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered early and closed: that is what we test
        data = b""
        deadline = time.monotonic() + 30
        while b"\r\n" not in data and time.monotonic() < deadline:
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


class TestRouting:
    def test_params_route_and_url(self, host: Host) -> None:
        r = requests.get(f"{host.base}/echo/hello?q=1&q=2")
        assert r.status_code == 200
        body = r.json()
        assert body["params"] == {"name": "hello"}
        assert body["route"] == "/echo/:name"
        assert body["method"] == "GET"
        assert body["url"] == f"{host.base}/echo/hello?q=1&q=2"

    def test_encoded_slash_reaches_the_param_whole(self, host: Host) -> None:
        r = requests.get(f"{host.base}/echo/a%2Fb")
        assert r.status_code == 200
        assert r.json()["params"] == {"name": "a/b"}

    def test_repeated_param_spans_segments(self, host: Host) -> None:
        r = requests.get(f"{host.base}/file/folder/sub")
        assert r.json()["params"] == {"path": ["folder", "sub"]}

    def test_unicode_param_is_decoded(self, host: Host) -> None:
        r = requests.get(f"{host.base}/echo/caf%C3%A9")
        assert r.json()["params"] == {"name": "café"}

    def test_invalid_escape_in_param_is_400(self, host: Host) -> None:
        r = requests.get(f"{host.base}/echo/%FF")
        assert r.status_code == 400

    def test_invalid_utf8_after_valid_in_a_param_is_400(self, host: Host) -> None:
        assert requests.get(f"{host.base}/echo/caf%C3%A9%FF").status_code == 400

    def test_prefix_route(self, host: Host) -> None:
        r = requests.get(f"{host.base}/prefix/a/b")
        assert r.status_code == 200
        assert r.text == f"prefix /prefix/* {host.base}/prefix/a/b"

    def test_404_has_convex_text(self, host: Host) -> None:
        r = requests.get(f"{host.base}/nope")
        assert r.status_code == 404
        assert r.text == f"No HttpAction routed for {host.mount}/nope"

    def test_trailing_slash_is_strict(self, host: Host) -> None:
        assert requests.get(f"{host.base}/echo/x/").status_code == 404

    def test_405_lists_allowed_methods(self, host: Host) -> None:
        r = requests.put(f"{host.base}/only-post")
        assert r.status_code == 405
        assert r.headers["Allow"] == "POST, OPTIONS"

    def test_options_without_route_is_204_with_allow(self, host: Host) -> None:
        r = requests.options(f"{host.base}/head")
        assert r.status_code == 204
        assert r.headers["Allow"] == "GET, HEAD, OPTIONS"
        assert r.content == b""

    def test_head_is_get_without_body(self, host: Host) -> None:
        r = requests.head(f"{host.base}/head")
        assert r.status_code == 200
        assert r.headers["X-Head"] == "yes"
        assert r.headers["Content-Length"] == "12"
        assert r.content == b""


class TestBodies:
    def test_post_text_body(self, host: Host) -> None:
        r = requests.post(
            f"{host.base}/echo/x", data="hello", headers={"Content-Type": "text/plain"}
        )
        assert r.json()["body"] == "hello"
        assert r.json()["content_type"] == "text/plain"

    def test_twenty_megabytes_are_accepted(self, host: Host) -> None:
        r = requests.post(f"{host.base}/size", data=b"z" * (20 * MB))
        assert r.status_code == 200
        assert r.json() == {"size": 20 * MB, "head": "zzzzzzzz"}

    def test_chunked_body_under_the_limit(self, host: Host) -> None:
        r = requests.post(f"{host.base}/size", data=iter([b"ab", b"cd"]))
        assert r.json() == {"size": 4, "head": "abcd"}

    def test_content_length_over_the_limit_is_413_before_the_body(self, host: Host) -> None:
        head = (
            f"POST {host.mount}/size HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Length: {21 * MB}\r\nConnection: close\r\n\r\n"
        )
        status, _ = raw_exchange(host, head, [b"x" * 1024])  # the rest is never sent
        assert status == 413

    def test_chunked_body_over_the_limit_is_413(self, host: Host) -> None:
        head = (
            f"POST {host.mount}/size HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        block = b"x" * MB
        chunk = f"{len(block):x}\r\n".encode() + block + b"\r\n"
        status, _ = raw_exchange(host, head, [chunk] * 21 + [b"0\r\n\r\n"])
        assert status == 413

    def test_malformed_json_is_400(self, host: Host) -> None:
        r = requests.post(
            f"{host.base}/bad-json", data="{nope", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400

    def test_async_handler(self, host: Host) -> None:
        r = requests.post(f"{host.base}/async", json={"n": 1})
        assert r.status_code == 200
        assert r.json()["async"] is True and r.json()["got"] == {"n": 1}


class TestResponses:
    def test_set_cookie_headers_stay_separate(self, host: Host) -> None:
        r = requests.get(f"{host.base}/cookies")
        assert r.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2, with comma; Path=/"]
        assert r.headers["X-Extra"] == "1"

    def test_streamed_response_is_chunked(self, host: Host) -> None:
        r = requests.get(f"{host.base}/stream/5", stream=True)
        assert r.headers.get("Transfer-Encoding") == "chunked"
        assert "Content-Length" not in r.headers
        assert r.text == "".join(f"chunk {i}\n" for i in range(5))

    def test_head_of_a_stream_claims_no_length(self, host: Host) -> None:
        r = requests.head(f"{host.base}/stream/3")
        assert r.status_code == 200 and r.content == b""
        assert r.headers.get("Content-Length") in (None, "")  # unknown, never a wrong "0"

    def test_framing_headers_of_the_handler_are_not_trusted(self, host: Host) -> None:
        r = requests.get(f"{host.base}/lying-length")
        assert r.content == b"hello world"
        assert r.headers["Content-Length"] == "11"

    def test_stream_crossing_the_limit_is_cut_off(self, host: Host) -> None:
        r = requests.get(f"{host.base}/big-stream", stream=True)
        assert r.status_code == 200
        received = 0
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            for part in r.iter_content(MB):
                received += len(part)
        assert received <= 20 * MB
        assert "crossed the 20971520-byte limit" in host.server.output()

    def test_body_over_the_limit_is_500(self, host: Host) -> None:
        r = requests.get(f"{host.base}/big-body")
        assert r.status_code == 500
        assert "exceeds the 20971520-byte limit" in host.server.output()


class TestErrors:
    def test_handler_exception_is_500_without_traceback(self, host: Host) -> None:
        r = requests.get(f"{host.base}/boom")
        assert r.status_code == 500
        code = r.json()["code"]
        match = REQUEST_ID.match(code)
        assert match, code
        assert "secret" not in r.text and "Traceback" not in r.text
        log = host.server.output()
        assert match.group(1) in log
        assert "secret detail that must not reach the client" in log

    def test_non_response_return_is_500_naming_the_type(self, host: Host) -> None:
        r = requests.get(f"{host.base}/not-a-response")
        assert r.status_code == 500
        assert "returned dict, not a Response" in host.server.output()

    def test_response_error_is_502(self, host: Host) -> None:
        assert requests.get(f"{host.base}/error-response").status_code == 502

    def test_one_log_line_per_request(self, host: Host) -> None:
        requests.get(f"{host.base}/echo/logme")
        time.sleep(0.2)
        lines = [line for line in host.server.output().splitlines() if "/echo/logme" in line]
        assert len(lines) == 1, lines
        assert re.search(
            r"\[[0-9a-f]{16}\] GET \S*/echo/logme /echo/:name 200 \d+\.\d+ms", lines[0]
        )

    def test_print_and_logging_from_a_handler_reach_the_server_log(self, host: Host) -> None:
        rid = requests.get(f"{host.base}/speak").text
        time.sleep(0.2)
        log = host.server.output()
        assert f"printed by handler {rid}" in log
        assert f"logged by handler {rid}" in log
        assert f"[{rid}] GET {host.mount}/speak /speak 200" in log

    def test_worker_survives_hostile_requests(self, host: Host) -> None:
        for head in [
            "GET /%ZZ%%% HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            f"POST {host.mount}/size HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
            f"POST {host.mount}/size HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Length: -5\r\nConnection: close\r\n\r\n",
            f"FOO {host.mount}/echo/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        ]:
            status, _ = raw_exchange(host, head)
            assert 400 <= status < 500 or status == 0, (head, status)
        requests.get(f"{host.base}/boom")
        assert requests.get(f"{host.base}/echo/alive").json()["params"] == {"name": "alive"}


class TestData:
    """Functions and the document store behind HTTP actions (SPEC 5), through every host,
    on each backend."""

    def test_post_message_is_stored_and_listed_through_a_query(self, data_host: Host) -> None:
        author = f"ada-{uuid.uuid4().hex[:8]}"
        for body in ["one", "two"]:
            r = requests.post(
                f"{data_host.base}/data/messages", json={"author": author, "body": body}
            )
            assert (r.status_code, r.content) == (200, b"")
        mine = requests.get(f"{data_host.base}/data/messages", params={"author": author}).json()
        assert [m["body"] for m in mine] == ["one", "two"]  # the index range, creation order
        assert all(m["_id"] and m["_creationTime"] > 0 for m in mine)
        everyone = requests.get(f"{data_host.base}/data/messages").json()
        assert {m["_id"] for m in mine} <= {m["_id"] for m in everyone}

    def test_a_failed_mutation_writes_nothing_and_its_error_data_reaches_the_caller(
        self, data_host: Host
    ) -> None:
        author = f"fail-{uuid.uuid4().hex[:8]}"
        r = requests.post(f"{data_host.base}/data/fail/{author}")
        assert r.status_code == 409
        assert r.json() == {"error": {"code": "REFUSED", "author": author}}
        assert (
            requests.get(f"{data_host.base}/data/messages", params={"author": author}).json() == []
        )

    def test_a_query_cannot_write(self, data_host: Host) -> None:
        r = requests.get(f"{data_host.base}/data/query-writes")
        assert r.status_code == 409
        assert "cannot write" in r.json()["error"]
        assert "from a query" not in requests.get(f"{data_host.base}/data/messages").text

    def test_counter_increments_from_sync_and_async_handlers(self, data_host: Host) -> None:
        name = f"c-{uuid.uuid4().hex[:8]}"
        answers = [
            requests.post(f"{data_host.base}/data/counter/{name}").json()["n"] for _ in range(3)
        ]
        answers.append(requests.post(f"{data_host.base}/data/async-counter/{name}").json()["n"])
        assert answers == [1, 2, 3, 4]
        assert requests.get(f"{data_host.base}/data/counter/{name}").json() == 4

    def test_an_invalid_argument_is_a_500_naming_nothing_to_the_client(
        self, data_host: Host
    ) -> None:
        r = requests.post(f"{data_host.base}/data/messages", json={"author": 1, "body": "x"})
        assert r.status_code == 500
        assert REQUEST_ID.match(r.json()["code"])
        assert "ArgumentValidationError" not in r.text
