"""Convex's function API (SPEC 8) through the real dispatch, in-process: the shapes of
requests and answers, value encodings, errors, bad requests, identity and logLines.
The two real clients drive it over HTTP in test_function_api_clients.py."""

from __future__ import annotations

import base64
import logging
import math
import struct
import threading
from typing import Any

import pytest

from convexhttp import http_router
from convexhttp.deployment import Deployment
from convexhttp.fetch import Response
from convexhttp.testing import TestClient, fixture
from tests.apps.clients import auth_config
from tests.test_function_api_clients import token

APP = "tests.apps.clients"
client = fixture(functions=APP)


def call(
    client: TestClient,
    endpoint: str,
    body: Any,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    r = client.fetch(f"/api/{endpoint}", method="POST", json=body, headers=headers)
    assert r.headers.get("content-type") == "application/json", r.text()
    return r.status, r.json()


def ok(client: TestClient, endpoint: str, body: Any, **kw: Any) -> Any:
    status, answer = call(client, endpoint, body, **kw)
    assert status == 200 and answer["status"] == "success", answer
    return answer["value"]


def failed(client: TestClient, endpoint: str, body: Any) -> dict[str, Any]:
    status, answer = call(client, endpoint, body)
    assert status == 200 and answer["status"] == "error", answer
    assert answer["errorMessage"].startswith("[Request ID: ")
    return dict(answer)


def bad(client: TestClient, endpoint: str, body: Any, **kw: Any) -> tuple[int, str, str]:
    status, answer = call(client, endpoint, body, **kw)
    assert set(answer) == {"code", "message"}, answer
    return status, answer["code"], answer["message"]


def integer(n: int) -> dict[str, str]:
    return {"$integer": base64.b64encode(struct.pack("<q", n)).decode()}


def special(x: float) -> dict[str, str]:
    return {"$float": base64.b64encode(struct.pack("<d", x)).decode()}


class TestEndpoints:
    def test_query_mutation_and_action_answer_success_with_value_and_log_lines(
        self, client: TestClient
    ) -> None:
        status, answer = call(
            client,
            "mutation",
            {"path": "messages:send_message", "args": {"body": "hi", "author": "a"}},
        )
        assert status == 200
        assert set(answer) == {"status", "value", "logLines"}
        assert answer["logLines"] == ["[LOG] sending 'hi'"]
        listed = ok(client, "query", {"path": "messages:list", "args": {}})
        assert [m["_id"] for m in listed] == [answer["value"]]
        assert ok(client, "action", {"path": "messages:echo_action", "args": {"value": "x"}}) == {
            "echoed": "x"
        }

    def test_args_may_be_a_one_element_array_as_the_npm_client_sends(
        self, client: TestClient
    ) -> None:
        assert ok(client, "query", {"path": "messages:echo", "args": [{"value": "v"}]}) == "v"

    def test_names_resolve_as_convex_clients_write_them(self, client: TestClient) -> None:
        body = {"body": "b", "author": "a"}
        for path in ("messages:sendMessage", "messages.js:send_message", "messages.py:sendMessage"):
            assert isinstance(ok(client, "mutation", {"path": path, "args": body}), str)

    def test_function_and_run_take_any_kind(self, client: TestClient) -> None:
        assert ok(client, "function", {"path": "messages:echo", "args": {"value": 1}}) == 1.0
        assert ok(client, "function", {"path": "messages:echo_action", "args": {"value": 1}}) == {
            "echoed": 1.0
        }
        assert ok(client, "run/messages/echo", {"args": {"value": "r"}}) == "r"
        assert ok(client, "run/nested/deep/ping", {"args": {}}) == "pong"
        assert ok(client, "run/nested%2Fdeep/ping", {"args": {}}) == "pong"
        assert bad(client, "run/ping", {"args": {}}) == (
            400,
            "MissingIdentifier",
            "Path or function name not provided in path, e.g. /api/run/messages/list",
        )

    def test_only_post_is_served_and_http_actions_still_answer_beside_it(
        self, client: TestClient
    ) -> None:
        r = client.fetch("/api/query")
        assert (r.status, r.headers.get("allow")) == (405, "POST, OPTIONS")
        assert client.fetch("/count").json() == 0

    def test_async_functions_run_too(self, client: TestClient) -> None:
        assert ok(client, "query", {"path": "messages:async_echo", "args": {"a": "b"}}) == {
            "async": {"a": "b"}
        }


class TestValues:
    def test_convex_encoded_json_round_trips_int64_bytes_and_special_floats(
        self, client: TestClient
    ) -> None:
        args = {"count": integer(2**62), "data": {"$bytes": "AAEC/w=="}, "ratio": 0.25}
        value = ok(
            client,
            "query",
            {"path": "messages:typed", "args": args, "format": "convex_encoded_json"},
        )
        assert value == {
            "count": integer(2**62 + 1),
            "data": {"$bytes": base64.b64encode(b"\xff\x02\x01\x00").decode()},
            "ratio": 0.5,
            "types": ["int", "bytes", "float"],
        }
        specials = [special(math.nan), special(math.inf), special(-math.inf), special(-0.0)]
        echoed = ok(
            client,
            "query",
            {"path": "messages:echo", "args": {"value": specials}, "format": "convex_json"},
        )
        assert echoed == specials
        # Plain JSON numbers are float64, as Convex's JS clients send every number.
        assert (
            ok(
                client,
                "query",
                {"path": "messages:echo", "args": {"value": 3}, "format": "convex_encoded_json"},
            )
            == 3.0
        )

    def test_json_is_convex_clean_export_form_and_the_default(self, client: TestClient) -> None:
        args = {"count": integer(-5), "data": {"$bytes": "AAE="}, "ratio": 1.5}
        for fmt in ("json", "convex_clean_json", None):
            body = {"path": "messages:typed", "args": args}
            if fmt is not None:
                body["format"] = fmt
            assert ok(client, "query", body) == {
                "count": "-4",
                "data": "AQA=",
                "ratio": 3.0,
                "types": ["int", "bytes", "float"],
            }
        value = [special(math.nan), special(math.inf), special(-math.inf)]
        assert ok(client, "query", {"path": "messages:echo", "args": {"value": value}}) == [
            "NaN",
            "Infinity",
            "-Infinity",
        ]

    def test_run_defaults_to_json_too(self, client: TestClient) -> None:
        assert ok(client, "run/messages/echo", {"args": {"value": integer(7)}}) == "7"


class TestFunctionErrors:
    def test_unknown_and_internal_functions_are_not_found_alike(self, client: TestClient) -> None:
        for path in ("messages:nope", "messages:hidden", "nowhere:list"):
            message = failed(client, "query", {"path": path, "args": {}})["errorMessage"]
            assert f"\nCould not find public function for '{path}'." in message
        message = failed(client, "run/messages/hidden", {"args": {}})["errorMessage"]
        assert "Could not find public function for 'messages:hidden'." in message

    def test_the_wrong_kind_is_named_as_convex_names_it(self, client: TestClient) -> None:
        answer = failed(client, "query", {"path": "messages:send_message", "args": {}})
        assert answer["errorMessage"].endswith(
            "\nTrying to execute messages:send_message as Query, but it is defined as Mutation."
        )

    def test_argument_validation_errors_are_shown(self, client: TestClient) -> None:
        answer = failed(client, "query", {"path": "messages:typed", "args": {"count": 1.5}})
        assert "ArgumentValidationError for messages:typed" in answer["errorMessage"]
        assert "errorData" not in answer

    def test_convex_error_data_reaches_the_caller_in_the_requested_format(
        self, client: TestClient
    ) -> None:
        body = {"path": "messages:refuse", "args": {"code": "LIMIT"}}
        encoded = failed(client, "mutation", {**body, "format": "convex_encoded_json"})
        assert encoded["errorData"] == {
            "code": "LIMIT",
            "limit": integer(10),
            "big": integer(2**40),
        }
        assert "\nUncaught ConvexError: " in encoded["errorMessage"]
        assert failed(client, "mutation", body)["errorData"] == {
            "code": "LIMIT",
            "limit": "10",
            "big": str(2**40),
        }
        # The mutation that raised wrote nothing.
        assert ok(client, "query", {"path": "messages:list", "args": {}}) == []
        text = failed(client, "query", {"path": "messages:refuse_with_text", "args": {}})
        assert text["errorData"] == "plain text refusal"
        assert text["errorMessage"].endswith("\nUncaught ConvexError: plain text refusal")

    def test_an_unexpected_exception_is_a_bare_server_error_logged_under_its_request_id(
        self, client: TestClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        answer = failed(client, "query", {"path": "messages:boom", "args": {}})
        message = answer["errorMessage"]
        assert message.startswith("[Request ID: ") and message.endswith("] Server Error")
        assert "secret" not in str(answer)
        assert answer["logLines"] == ["[LOG] about to fail"]
        rid = message[len("[Request ID: ") : -len("] Server Error")]
        logged = [r for r in caplog.records if r.getMessage().startswith(f"[{rid}]")]
        assert logged and logged[0].exc_info is not None
        assert "secret detail" in str(logged[0].exc_info[1])

    def test_convex_error_data_that_is_no_convex_value_is_the_servers_error(
        self, client: TestClient
    ) -> None:
        answer = failed(client, "query", {"path": "messages:refuse_badly", "args": {}})
        assert answer["errorMessage"].endswith("] Server Error") and "errorData" not in answer

    def test_a_bad_call_the_function_makes_itself_is_the_servers_error(
        self, client: TestClient
    ) -> None:
        answer = failed(client, "action", {"path": "messages:calls_badly", "args": {}})
        assert answer["errorMessage"].endswith("] Server Error")

    def test_debug_sends_the_message_and_trace(self) -> None:
        with TestClient(functions=APP, debug=True) as debug:
            message = failed(debug, "query", {"path": "messages:boom", "args": {}})["errorMessage"]
        assert "\nUncaught RuntimeError: secret detail" in message
        assert "Traceback (most recent call last)" in message


class TestBadRequests:
    def test_the_body_must_be_json_with_a_path_and_args(self, client: TestClient) -> None:
        r = client.fetch("/api/query", method="POST", body='{"path": "messages:list", "args": {}}')
        assert (r.status, r.json()) == (
            400,
            {
                "code": "BadJsonBody",
                "message": "Expected request with `Content-Type: application/json`",
            },
        )
        headers = {"Content-Type": "application/json"}
        for text in ("{", '{"path": "messages:echo", "args": {"value": NaN}}', ""):
            r = client.fetch("/api/query", method="POST", body=text, headers=headers)
            answer = r.json()
            assert r.status == 400 and answer["code"] == "BadJsonBody", text
            assert answer["message"].startswith("Failed to parse the request body as JSON")
        for body, why in [
            ([], "expected an object"),
            ({"args": {}}, "missing field `path`"),
            ({"path": "messages:list"}, "missing field `args`"),
            ({"path": 3, "args": {}}, "`path` must be a str"),
            ({"path": "messages:list", "args": "x"}, "`args` must be an object"),
            ({"path": "messages:list", "args": [{}, {}]}, "found 2 items"),
        ]:
            status, code, message = bad(client, "query", body)
            assert (status, code) == (400, "BadJsonBody"), body
            assert why in message, (body, message)

    def test_arguments_must_be_convex_values(self, client: TestClient) -> None:
        for value in ({"$integer": "AQ=="}, {"$bytes": "!!"}, {"$set": []}, {"$x": 1, "y": 2}):
            status, code, _ = bad(
                client, "query", {"path": "messages:echo", "args": {"value": value}}
            )
            assert (status, code) == (400, "BadConvexValue"), value

    def test_an_unknown_format_is_refused_before_the_function_runs(
        self, client: TestClient
    ) -> None:
        body = {"path": "messages:send_message", "args": {"body": "b", "author": "a"}}
        assert bad(client, "mutation", {**body, "format": "xml"}) == (
            400,
            "BadFormat",
            "format param must be one of [`json`]. Got xml",
        )
        assert ok(client, "query", {"path": "messages:list", "args": {}}) == []

    def test_a_body_over_the_request_limit_is_413(self) -> None:
        with TestClient(functions=APP, max_request_body=1000) as small:
            body = {"path": "messages:echo", "args": {"value": "x" * 2000}}
            r = small.fetch("/api/query", method="POST", json=body)
            assert r.status == 413
            assert ok(small, "query", {"path": "messages:echo", "args": {"value": "x"}}) == "x"


class TestAuthorization:
    def test_a_bearer_token_reaches_the_function_and_no_header_is_no_identity(
        self, client: TestClient
    ) -> None:
        body = {"path": "messages:whoami", "args": {}}
        assert ok(client, "query", body) is None
        # An unverifiable token proves no one (and is no error: SPEC 5.7).
        assert ok(client, "query", body, headers={"Authorization": "Bearer abc.def.ghi"}) is None
        bearer = {"Authorization": f"Bearer {token('user-0')}"}
        assert ok(client, "query", body, headers=bearer) == {
            "subject": "user-0",
            "tokenIdentifier": f"{auth_config.ISSUER}|user-0",
        }
        claims = {"subject": "user-1", "issuer": "https://issuer.example"}
        assert ok(client.with_identity(claims), "query", body) == {
            "subject": "user-1",
            "tokenIdentifier": "https://issuer.example|user-1",
        }

    def test_an_http_actions_ctx_carries_the_bearer_identity(self, client: TestClient) -> None:
        bearer = {"Authorization": f"Bearer {token('user-7')}"}
        seen = client.fetch("/whoami", headers=bearer).json()
        assert seen["direct"] == "user-7"
        assert seen["via_query"]["subject"] == "user-7"
        nobody = {"direct": None, "via_query": None}
        assert client.fetch("/whoami").json() == nobody
        assert client.fetch("/whoami", headers={"Authorization": "Bearer a.b.c"}).json() == nobody
        claims = {"subject": "user-8", "issuer": "https://issuer.example"}
        assert client.with_identity(claims).fetch("/whoami", headers=bearer).json()["direct"] == (
            "user-8"  # the test's identity wins over the header
        )

    @pytest.mark.parametrize(
        ("header", "status", "code"),
        [
            ("Basic dXNlcjpwdw==", 400, "InvalidAdminKey"),
            ("Bearer ", 400, "InvalidHeaderFailure"),
            ("Bearer    ", 400, "InvalidHeaderFailure"),  # values lose trailing spaces
            ("token", 400, "InvalidHeaderFailure"),
            ("Convex some-deploy-key", 401, "BadAdminKey"),
            ("Bearer caf\u00e9", 400, "HeaderParseFailure"),
        ],
    )
    def test_a_malformed_header_is_refused_as_convex_refuses_it(
        self, client: TestClient, header: str, status: int, code: str
    ) -> None:
        body = {"path": "messages:whoami", "args": {}}
        assert bad(client, "query", body, headers={"Authorization": header})[:2] == (status, code)

    def test_the_scheme_is_case_insensitive(self, client: TestClient) -> None:
        body = {"path": "messages:whoami", "args": {}}
        assert ok(client, "query", body, headers={"Authorization": "bearer abc"}) is None


class TestCors:
    """As Convex's backend: any origin mirrored, with credentials (identity travels in
    the Authorization header, never in cookies)."""

    def test_a_preflight_allows_the_origin_and_the_headers_it_asks_for(
        self, client: TestClient
    ) -> None:
        for path in ("/api/query", "/api/run/messages/list"):
            r = client.fetch(
                path,
                method="OPTIONS",
                headers={
                    "Origin": "https://app.example",
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type,convex-client,authorization",
                },
            )
            assert r.status == 200 and r.text() == ""
            assert r.headers.get("access-control-allow-origin") == "https://app.example"
            assert r.headers.get("access-control-allow-credentials") == "true"
            assert r.headers.get("access-control-allow-headers") == (
                "content-type,convex-client,authorization"
            )
            assert "POST" in (r.headers.get("access-control-allow-methods") or "")
            assert r.headers.get("access-control-max-age") == "86400"

    def test_answers_carry_the_callers_origin(self, client: TestClient) -> None:
        body = {"path": "messages:echo", "args": {"value": 1}}
        origin = {"Origin": "http://localhost:5173"}
        for endpoint, payload in (("query", body), ("query", {"args": {}})):
            r = client.fetch(f"/api/{endpoint}", method="POST", json=payload, headers=origin)
            assert r.headers.get("access-control-allow-origin") == "http://localhost:5173"
            assert r.headers.get("access-control-allow-credentials") == "true"
            assert "origin" in (r.headers.get("vary") or "")
        r = client.fetch("/api/query", method="POST", json=body)
        assert r.headers.get("access-control-allow-origin") is None


class TestLogLines:
    def test_print_stderr_and_logging_become_convex_log_lines_and_still_reach_the_server_log(
        self,
        client: TestClient,
        capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.WARNING, logger="clients.messages")
        body = {"path": "messages:speak", "args": {"tag": "t", "lines": 2, "pause": 0}}
        answer = call(client, "query", body)[1]
        assert answer["logLines"] == [
            "[LOG] t print 0",
            "[WARN] t log 0",
            "[LOG] t print 1",
            "[WARN] t log 1",
            "[ERROR] t to stderr",
        ]
        out, err = capsys.readouterr()
        assert "t print 1" in out and "t to stderr" in err
        assert [r.getMessage() for r in caplog.records if r.name == "clients.messages"] == [
            "t log 0",
            "t log 1",
        ]

    def test_a_call_sees_only_its_own_lines_while_others_run_at_once(
        self, client: TestClient
    ) -> None:
        answers: dict[str, list[str]] = {}

        def speak(tag: str) -> None:
            body = {"path": "messages:speak", "args": {"tag": tag, "lines": 5, "pause": 0.01}}
            answers[tag] = call(client, "query", body)[1]["logLines"]

        threads = [threading.Thread(target=speak, args=(f"t{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for tag, lines in answers.items():
            assert len(lines) == 11 and all(f"] {tag} " in line for line in lines), lines

    def test_lines_stop_at_256_with_convex_overflow_line(self, client: TestClient) -> None:
        body = {"path": "messages:speak", "args": {"tag": "many", "lines": 300, "pause": 0}}
        lines = call(client, "query", body)[1]["logLines"]
        assert len(lines) == 256
        assert lines[-1] == "[ERROR] Log overflow (maximum 256). Remaining log lines omitted."


class TestDeployment:
    def test_function_api_false_frees_the_paths_for_the_router(self) -> None:
        http = http_router()
        http.route(path="/api/query", method="POST", handler=lambda ctx, r: Response("mine"))
        with pytest.raises(ValueError, match="overlaps /api/query"):
            Deployment(http, functions=APP)
        with TestClient(http, functions=APP, function_api=False) as own:
            assert own.fetch("/api/query", method="POST").text() == "mine"
            assert own.fetch("/api/mutation", method="POST").status == 404
