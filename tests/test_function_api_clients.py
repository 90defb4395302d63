"""Convex's two HTTP clients, unmodified, against a real ``convexhttp serve`` and a Flask
host: the npm package ``convex``'s ``ConvexHttpClient`` run by node, and the PyPI
package ``convex``'s ``convex.http_client.ConvexHttpClient``.

The npm package is installed at the version pinned in tests/clients/convex-npm.version
into a cache folder (``$XDG_CACHE_HOME/convexhttp-tests``) once, and reused by later
runs. Without node, npm or the registry, these tests fail: they never skip.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import math
import os
import re
import shutil
import struct
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from convex import ConvexError as PyConvexError
from convex.http_client import ConvexExecutionError, ConvexHttpClient
from convex.values import ConvexInt64

from tests import support
from tests.apps.clients import auth_config

APP = "tests.apps.clients.http:http"
CLIENTS = support.ROOT / "tests" / "clients"
NPM_VERSION = (CLIENTS / "convex-npm.version").read_text().strip()
SERVER_ERROR = re.compile(r"^\[Request ID: [0-9a-f]{16}\] Server Error$")

Npm = Callable[[str, list[dict[str, Any]]], tuple[list[dict[str, Any]], list[str]]]


# --- servers and clients ----------------------------------------------------------------


def _npm_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "convexhttp-tests" / f"npm-convex-{NPM_VERSION}"


@pytest.fixture(scope="session")
def npm_modules() -> Path:
    """``node_modules`` holding ``convex@<pinned>``, installed on first use."""
    target = _npm_cache()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers: one installs, the other waits
        if not (target / "installed").exists():
            for tool in ("node", "npm"):
                if shutil.which(tool) is None:
                    pytest.fail(f"{tool} is not on PATH: the npm client tests need node and npm")
            argv = ["npm", "install", "--prefix", str(target), f"convex@{NPM_VERSION}"]
            argv += ["--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
            result = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                pytest.fail(
                    f"npm install convex@{NPM_VERSION} failed (is the npm registry reachable?):"
                    f"\n{result.stdout}\n{result.stderr}"
                )
            (target / "installed").write_text(NPM_VERSION)
    return target / "node_modules"


@pytest.fixture(scope="session")
def npm(npm_modules: Path) -> Npm:
    """Run calls through the npm ``ConvexHttpClient``: (results, what it logged)."""

    def run(url: str, calls: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
        result = subprocess.run(
            ["node", str(CLIENTS / "npm_client.cjs")],
            input=json.dumps({"url": url, "calls": calls}),
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "NODE_PATH": str(npm_modules)},
        )
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        return out["results"], out["logs"]

    return run


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[support.Server]:
    log = tmp_path_factory.mktemp("clients") / "server.log"
    server = support.convexhttp_serve(APP, log, "--threads", "4")
    try:
        yield server
    finally:
        server.stop()


def integer(n: int) -> dict[str, str]:
    return {"$integer": base64.b64encode(struct.pack("<q", n)).decode()}


def special(x: float) -> dict[str, str]:
    return {"$float": base64.b64encode(struct.pack("<d", x)).decode()}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def token(subject: str) -> str:
    """A JWT the app's auth_config.py accepts (HS256 with its shared secret)."""

    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "iss": auth_config.ISSUER,
        "sub": subject,
        "aud": auth_config.AUDIENCE,
        "iat": now,
        "exp": now + 600,
    }
    signing_input = part({"alg": "HS256", "typ": "JWT"}) + "." + part(claims)
    signature = hmac.new(auth_config.SECRET.encode(), signing_input.encode(), hashlib.sha256)
    return signing_input + "." + base64.urlsafe_b64encode(signature.digest()).rstrip(b"=").decode()


# --- the npm client -----------------------------------------------------------------------


class TestNpmClient:
    def test_queries_mutations_and_actions_with_their_log_lines(
        self, npm: Npm, server: support.Server
    ) -> None:
        body = f"npm {uuid.uuid4().hex}"
        results, logs = npm(
            server.url,
            [
                {
                    "kind": "mutation",
                    "name": "messages:sendMessage",
                    "args": {"body": body, "author": "npm"},
                },
                {"kind": "query", "name": "messages:list"},
                {"kind": "action", "name": "messages:echo_action", "args": {"value": "hello"}},
                {"kind": "query", "name": "nested/deep:ping"},
            ],
        )
        doc_id = results[0]["value"]
        assert isinstance(doc_id, str)
        assert {"_id": doc_id, "body": body, "author": "npm"}.items() <= next(
            m for m in results[1]["value"] if m["_id"] == doc_id
        ).items()
        assert results[2] == {"value": {"echoed": "hello"}}
        assert results[3] == {"value": "pong"}
        # The client parsed the log lines (it prints "Could not parse" otherwise).
        sent = [line for line in logs if "[CONVEX M(messages:sendMessage)] [LOG]" in line]
        assert len(sent) == 1 and f"sending '{body}'" in sent[0], logs
        assert not [line for line in logs if "Could not parse" in line]

    def test_int64_bytes_and_special_floats_round_trip(
        self, npm: Npm, server: support.Server
    ) -> None:
        data = bytes(range(256))
        specials = [special(math.nan), special(-0.0), special(math.inf), special(-math.inf)]
        results, _ = npm(
            server.url,
            [
                {
                    "kind": "query",
                    "name": "messages:typed",
                    "args": {
                        "count": integer(2**53 + 1),
                        "data": {"$bytes": b64(data)},
                        "ratio": 0.1,
                    },
                },
                {"kind": "query", "name": "messages:echo", "args": {"value": specials}},
                {"kind": "query", "name": "messages:echo", "args": {"value": integer(-(2**63))}},
            ],
        )
        assert results[0]["value"] == {
            "count": integer(2**53 + 2),
            "data": {"$bytes": b64(data[::-1])},
            "ratio": 0.2,
            "types": ["int", "bytes", "float"],
        }
        assert results[1]["value"] == specials
        assert results[2]["value"] == integer(-(2**63))

    def test_convex_error_data_arrives_decoded_and_the_mutation_wrote_nothing(
        self, npm: Npm, server: support.Server
    ) -> None:
        results, _ = npm(
            server.url,
            [
                {"kind": "mutation", "name": "messages:refuse", "args": {"code": "NPM"}},
                {"kind": "query", "name": "messages:refuse_with_text"},
                {"kind": "query", "name": "messages:list"},
            ],
        )
        error = results[0]["error"]
        assert error["convexError"] is True
        assert error["data"] == {"code": "NPM", "limit": integer(10), "big": integer(2**40)}
        assert results[1]["error"]["data"] == "plain text refusal"
        assert all(m["author"] != "refuse" for m in results[2]["value"])

    def test_unknown_internal_and_failing_functions(self, npm: Npm, server: support.Server) -> None:
        results, _ = npm(
            server.url,
            [
                {"kind": "query", "name": "messages:nope"},
                {"kind": "query", "name": "messages:hidden"},
                {"kind": "mutation", "name": "messages:list"},
                {"kind": "query", "name": "messages:boom"},
                {"kind": "query", "name": "messages:typed", "args": {"count": 1.5}},
            ],
        )
        errors = [r["error"] for r in results]
        assert not any(e["convexError"] for e in errors)
        assert "\nCould not find public function for 'messages:nope'." in errors[0]["message"]
        assert "\nCould not find public function for 'messages:hidden'." in errors[1]["message"]
        assert errors[2]["message"].endswith("as Mutation, but it is defined as Query.")
        assert SERVER_ERROR.match(errors[3]["message"]), errors[3]
        assert "ArgumentValidationError for messages:typed" in errors[4]["message"]

    def test_a_bearer_token_is_sent_and_accepted(self, npm: Npm, server: support.Server) -> None:
        results, _ = npm(
            server.url,
            [
                {"kind": "query", "name": "messages:whoami"},
                {"kind": "query", "name": "messages:whoami", "auth": "not.a.jwt"},
                {"kind": "query", "name": "messages:whoami", "auth": token("user-npm")},
            ],
        )
        assert results[0] == {"value": None}
        assert results[1] == {"value": None}  # an unverifiable token proves no one
        assert results[2]["value"] == {
            "subject": "user-npm",
            "tokenIdentifier": f"{auth_config.ISSUER}|user-npm",
        }


# --- the PyPI client ----------------------------------------------------------------------


class TestPythonClient:
    def test_queries_mutations_and_actions(self, server: support.Server) -> None:
        client = ConvexHttpClient(server.url)
        body = f"py {uuid.uuid4().hex}"
        doc_id = client.mutation("messages:sendMessage", {"body": body, "author": "py"})
        assert isinstance(doc_id, str)
        listed = {m["_id"]: m for m in client.query("messages:list")}
        assert listed[doc_id]["body"] == body
        assert client.action("messages:echo_action", {"value": [1, "two"]}) == {
            "echoed": [1.0, "two"]
        }

    def test_int64_bytes_and_special_floats_round_trip(self, server: support.Server) -> None:
        client = ConvexHttpClient(server.url)
        data = bytes(range(256))
        result = client.query(
            "messages:typed", {"count": ConvexInt64(2**62), "data": data, "ratio": 0.25}
        )
        assert result == {
            "count": ConvexInt64(2**62 + 1),
            "data": data[::-1],
            "ratio": 0.5,
            "types": ["int", "bytes", "float"],
        }
        nan, negative_zero, inf = client.query(
            "messages:echo", {"value": [math.nan, -0.0, math.inf]}
        )
        assert math.isnan(nan) and inf == math.inf
        assert negative_zero == 0.0 and math.copysign(1.0, negative_zero) < 0

    def test_convex_error_carries_its_data(self, server: support.Server) -> None:
        client = ConvexHttpClient(server.url)
        with pytest.raises(PyConvexError) as raised:
            client.mutation("messages:refuse", {"code": "PY"})
        # This client hands over errorData as it came (convex_encoded_json).
        assert raised.value.data == {"code": "PY", "limit": integer(10), "big": integer(2**40)}
        with pytest.raises(PyConvexError) as text:
            client.query("messages:refuse_with_text")
        assert (str(text.value), text.value.data) == ("plain text refusal",) * 2

    def test_unknown_internal_and_failing_functions(self, server: support.Server) -> None:
        client = ConvexHttpClient(server.url)
        for name in ("messages:nope", "messages:hidden"):
            with pytest.raises(ConvexExecutionError, match=f"public function for '{name}'"):
                client.query(name)
        with pytest.raises(ConvexExecutionError) as raised:
            client.query("messages:boom")
        assert SERVER_ERROR.match(str(raised.value))

    def test_debug_prints_the_log_lines(
        self, server: support.Server, capsys: pytest.CaptureFixture[str]
    ) -> None:
        client = ConvexHttpClient(server.url)
        client.set_debug(True)
        client.query("messages:speak", {"tag": "py", "lines": 1, "pause": 0})
        printed = capsys.readouterr().out.splitlines()
        assert printed == ["[LOG] py print 0", "[WARN] py log 0", "[ERROR] py to stderr"]

    def test_auth(self, server: support.Server) -> None:
        client = ConvexHttpClient(server.url)
        assert client.query("messages:whoami") is None
        client.set_admin_auth("some-deploy-key")  # this server has no deploy keys: a 4xx
        with pytest.raises(Exception, match=r"^401 BadAdminKey: "):
            client.query("messages:whoami")
        client.set_auth(token("user-py"))
        identity = client.query("messages:whoami")
        assert identity == {
            "subject": "user-py",
            "tokenIdentifier": f"{auth_config.ISSUER}|user-py",
        }


# --- serving ------------------------------------------------------------------------------


def test_concurrent_calls_on_gthread_workers_keep_their_own_log_lines(
    server: support.Server,
) -> None:
    answers: dict[str, Any] = {}

    def speak(tag: str) -> None:
        body = {"path": "messages:speak", "args": {"tag": tag, "lines": 4, "pause": 0.02}}
        answers[tag] = requests.post(f"{server.url}/api/query", json=body, timeout=30).json()

    threads = [
        threading.Thread(target=speak, args=(f"c{i}{uuid.uuid4().hex[:6]}",)) for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for tag, answer in answers.items():
        assert answer["value"] == tag
        assert len(answer["logLines"]) == 9
        assert all(f"] {tag} " in line for line in answer["logLines"]), answer
    time.sleep(0.1)
    assert f"{tag} print 3" in server.output()  # and the server log still has them


def test_through_a_flask_host(tmp_path: Path) -> None:
    flask = support.gunicorn("tests.apps.clients_flask:app", tmp_path / "flask.log")
    try:
        client = ConvexHttpClient(f"{flask.url}/hooks")
        doc_id = client.mutation("messages:sendMessage", {"body": "via flask", "author": "f"})
        assert [m["_id"] for m in client.query("messages:list")] == [doc_id]
        assert client.query("messages:echo", {"value": ConvexInt64(-1)}) == ConvexInt64(-1)
        assert requests.get(f"{flask.url}/hooks/count").json() == 1
    finally:
        flask.stop()


def test_serve_without_the_function_api(tmp_path: Path) -> None:
    plain = support.convexhttp_serve(APP, tmp_path / "plain.log", "--no-function-api")
    try:
        r = requests.post(f"{plain.url}/api/query", json={"path": "messages:list", "args": {}})
        assert (r.status_code, r.text) == (404, "No HttpAction routed for /api/query")
    finally:
        plain.stop()
