"""CORS for HTTP actions: ``cors_router(http, ...)``, convex-helpers' ``corsRouter``.

``cors_router(http, allowed_origins=[...]).route(...)`` takes the arguments of
``HttpRouter.route``; it registers the handler wrapped so that its responses
carry the CORS headers, and an OPTIONS route on the same path or prefix that
answers the browser's preflight for every method routed there this way.
Routes registered on ``http`` itself are left as they are. The rules (origin
syntax, what a refusal looks like) are in ``docs/cors.md``.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from .dispatch import _allow_header
from .fetch import Headers, Response
from .fetch.headers import is_token
from .fetch.request import RequestBase
from .paths import compile_path, compile_prefix
from .router import (
    Handler,
    HttpRouter,
    _is_coroutine_function,
    _normalize_methods,
    route_target,
)

__all__ = [
    "DEFAULT_ALLOWED_HEADERS",
    "DEFAULT_EXPOSED_HEADERS",
    "DEFAULT_MAX_AGE",
    "CorsRouter",
    "Preflight",
    "corsRouter",
    "cors_router",
    "logger",
]

logger = logging.getLogger("convexhttp.cors")

#: convex-helpers' defaults.
DEFAULT_ALLOWED_HEADERS = ("Content-Type",)
DEFAULT_EXPOSED_HEADERS = ("Content-Range", "Accept-Ranges")
DEFAULT_MAX_AGE = 86400  # one day; Chromium caps it at two hours

_SEEN_MAX = 1024
_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# scheme://host[:port], as browsers serialise an origin (host: a name or [IPv6]).
_ORIGIN = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>[a-z0-9_.~-]+|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?",
    re.IGNORECASE,
)
_LABELS = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")  # what "*." stands for: 1+ labels
# convex-helpers' option names (a JS config object ported as a dict) and ours.
_CONFIG_KEYS = {
    "allowedOrigins": "allowed_origins",
    "allowedHeaders": "allowed_headers",
    "exposedHeaders": "exposed_headers",
    "allowCredentials": "allow_credentials",
    "browserCacheMaxAge": "max_age",
    "enforceAllowOrigins": "enforce",
}


def _parse_origin(text: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` lowercased, the scheme's default port as None."""
    m = _ORIGIN.fullmatch(text)
    if m is None:
        return None
    scheme, host = m["scheme"].lower(), m["host"].lower()
    port = int(m["port"]) if m["port"] else None
    if port is not None and port > 65535:
        return None
    if port == _DEFAULT_PORTS.get(scheme):
        port = None
    return scheme, host, port


def _serialize(scheme: str, host: str, port: int | None) -> str:
    return f"{scheme}://{host}" if port is None else f"{scheme}://{host}:{port}"


@dataclass(frozen=True, slots=True)
class _Wildcard:
    """``[scheme://]*.domain[:port]``: any subdomain of ``domain``, never ``domain`` itself."""

    scheme: str
    suffix: str  # ".domain"
    port: int | None

    def admits(self, scheme: str, host: str, port: int | None) -> bool:
        if scheme != self.scheme or port != self.port or not host.endswith(self.suffix):
            return False
        return _LABELS.fullmatch(host[: -len(self.suffix)]) is not None


def _punycode(entry: str) -> str | None:
    """``entry`` with its host in ASCII (what a browser sends), or None."""
    scheme, sep, rest = entry.rpartition("://")
    host, colon, port = rest.partition(":")
    try:
        labels = [label.encode("idna").decode() for label in host.split(".")]
    except UnicodeError:
        return None
    return f"{scheme}{sep}{'.'.join(labels)}{colon}{port}"


def _bad_entry(entry: str, why: str) -> ValueError:
    return ValueError(f"cors_router: allowed_origins entry {entry!r} {why}")


def _origin_entry(entry: str) -> str | _Wildcard:
    """One ``allowed_origins`` entry: ``"null"``, a serialised origin, or a wildcard."""
    if entry == "null":
        return entry
    if not entry.isascii():
        ascii_form = _punycode(entry)
        hint = f": write {ascii_form!r}" if ascii_form else ""
        raise _bad_entry(entry, f"is not ASCII; browsers send a host in its punycode form{hint}")
    if "," in entry or " " in entry.strip():
        raise _bad_entry(entry, "holds several origins: give one origin per entry")
    if "*" in entry:
        return _wildcard_entry(entry)
    if "://" not in entry:
        raise _bad_entry(
            entry, f"has no scheme: an origin is scheme://host[:port], e.g. 'https://{entry}'"
        )
    _, slash, path = entry.partition("://")[2].partition("/")
    if slash:
        bare = entry[: len(entry) - len(path) - 1]
        raise _bad_entry(entry, f"has a path; the Origin header never does: write {bare!r}")
    parsed = _parse_origin(entry)
    if parsed is None:
        raise _bad_entry(entry, "is not an origin (scheme://host[:port])")
    return _serialize(*parsed)


def _wildcard_entry(entry: str) -> _Wildcard:
    scheme, sep, rest = entry.partition("://")
    if not sep:
        scheme, rest = "https", entry  # as convex-helpers: a bare wildcard is https only
    if not rest.startswith("*.") or "*" in rest[1:]:
        raise _bad_entry(
            entry,
            "a wildcard is a leading '*.' label only, "
            "as in '*.example.com' or 'http://*.example.com:8080'",
        )
    parsed = _parse_origin(f"{scheme}://x{rest[1:]}")
    if parsed is None:
        raise _bad_entry(entry, "is not an origin pattern ([scheme://]*.domain[:port])")
    scheme, host, port = parsed
    domain = host[2:]
    if "." not in domain and domain != "localhost":
        raise _bad_entry(
            entry,
            f"would allow every site under the top-level domain {domain!r}: "
            f"name the domain, as in '*.example.{domain}'",
        )
    return _Wildcard(scheme, "." + domain, port)


def _names(option: str, value: object) -> list[str]:
    """A list of strings: a bare string (a common slip) is refused, not iterated."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f"cors_router: {option} must be a list of strings, not {value!r}")
    names = list(value)
    for name in names:
        if not isinstance(name, str):
            raise ValueError(f"cors_router: {option} entry {name!r} is not a string")
    return names


def _header_names(option: str, value: object) -> list[str]:
    names = _names(option, value)
    for name in names:
        if name != "*" and not is_token(name):
            raise ValueError(
                f"cors_router: {option} entry {name!r} is not a header name "
                "(give one name per entry)"
            )
    return names


@dataclass(frozen=True, slots=True, eq=False)
class _Policy:
    """One cors router's settings, checked and with its header values built once."""

    origins: tuple[str, ...]  # as given, for log lines
    any_origin: bool  # "*": every origin gets "Access-Control-Allow-Origin: *"
    exact: frozenset[str]  # serialised origins, and "null"
    wildcards: tuple[_Wildcard, ...]
    headers: frozenset[str] | None  # allowed request headers, lowercased; None: any
    allow_headers: str  # the Access-Control-Allow-Headers value (when headers is not None)
    expose_headers: str
    credentials: bool
    max_age: str
    enforce: bool
    # Decisions for origins seen (an app sees few); bounded against a flood of new ones.
    _seen: dict[str, bool] = field(default_factory=dict, repr=False)

    def admits(self, origin: str) -> bool:
        if self.any_origin or origin in self.exact:  # browsers send the serialised form
            return True
        known = self._seen.get(origin)
        if known is not None:
            return known
        parsed = _parse_origin(origin)
        admitted = parsed is not None and (
            _serialize(*parsed) in self.exact or any(w.admits(*parsed) for w in self.wildcards)
        )
        if len(self._seen) < _SEEN_MAX:
            self._seen[origin] = admitted
        return admitted

    def allow_origin(self, request: RequestBase) -> str | None:
        """The Access-Control-Allow-Origin value for ``request``, or None."""
        if self.any_origin:
            return "*"
        origin = request.headers.get("origin")
        return origin if origin is not None and self.admits(origin) else None

    def refuse(self, ctx: Any, request: RequestBase) -> Response | None:
        """With ``enforce``: the 403 for a request from an origin not allowed."""
        if not self.enforce or self.any_origin:
            return None
        origin = request.headers.get("origin")
        if origin is None or self.admits(origin):
            return None  # not a browser's cross-origin request: nothing to enforce
        logger.debug(
            "[%s] CORS: %s %s refused (403): origin %r is not in allowed_origins (%s)",
            _request_id(ctx),
            request.method,
            urlsplit(request.url).path,
            origin,
            ", ".join(self.origins),
        )
        return _forbidden()

    def finish(self, request: RequestBase, response: Any) -> Any:
        """Add the CORS headers to what the handler returned (a Response, or left alone)."""
        if not isinstance(response, Response) or response.type == "error":
            return response  # the dispatcher's 500 or 502
        headers = response.headers
        if not self.any_origin:
            _vary_origin(headers)
        allow = self.allow_origin(request)
        if allow is None:
            return response
        headers.set("access-control-allow-origin", allow)
        if self.credentials:
            headers.set("access-control-allow-credentials", "true")
        if self.expose_headers:
            headers.set("access-control-expose-headers", self.expose_headers)
        return response


def _policy(
    allowed_origins: object,
    allowed_headers: object,
    exposed_headers: object,
    allow_credentials: object,
    max_age: object,
    enforce: object,
) -> _Policy:
    if not isinstance(allow_credentials, bool):
        raise ValueError(
            f"cors_router: allow_credentials must be True or False, not {allow_credentials!r}"
        )
    if not isinstance(enforce, bool):
        raise ValueError(f"cors_router: enforce must be True or False, not {enforce!r}")
    if callable(allowed_origins):
        raise ValueError(
            "cors_router: allowed_origins must be a list of origins; a function of the "
            "request is not supported"
        )
    origins = _names("allowed_origins", allowed_origins)
    if not origins:
        raise ValueError(
            "cors_router: allowed_origins is empty, so no browser origin could call these "
            "routes: list the origins (e.g. ['https://app.example.com']), or ['*']"
        )
    exact: set[str] = set()
    wildcards: list[_Wildcard] = []
    for entry in origins:
        if entry == "*":
            continue
        parsed = _origin_entry(entry)
        if isinstance(parsed, _Wildcard):
            wildcards.append(parsed)
        else:
            exact.add(parsed)
    any_origin = "*" in origins
    if any_origin and allow_credentials:
        raise ValueError(
            "cors_router: allowed_origins=['*'] with allow_credentials=True would let every "
            "website send your users' cookies to these routes and read the answers: list the "
            "origins that may, or leave allow_credentials off"
        )

    headers = _header_names("allowed_headers", allowed_headers)
    exposed = _header_names("exposed_headers", exposed_headers)
    if "*" in exposed and allow_credentials:
        raise ValueError(
            "cors_router: exposed_headers=['*'] with allow_credentials=True: browsers then read "
            "'*' as a header named '*': list the headers to expose"
        )
    if type(max_age) is not int or max_age < 0:
        raise ValueError(f"cors_router: max_age must be a whole number of seconds, not {max_age!r}")
    return _Policy(
        origins=tuple(origins),
        any_origin=any_origin,
        exact=frozenset(exact),
        wildcards=tuple(wildcards),
        headers=None if "*" in headers else frozenset(h.lower() for h in headers),
        allow_headers=", ".join(headers),
        expose_headers="*" if "*" in exposed else ", ".join(exposed),
        credentials=allow_credentials,
        max_age=str(max_age),
        enforce=enforce,
    )


def _request_id(ctx: Any) -> str:
    return str(getattr(ctx, "request_id", "-"))


def _forbidden() -> Response:
    return Response("Forbidden: origin not allowed", status=403, headers={"vary": "Origin"})


def _vary_origin(headers: Headers) -> None:
    vary = headers.get("vary")
    if vary is None:
        headers.set("vary", "Origin")
    elif not {v.strip().lower() for v in vary.split(",")} & {"origin", "*"}:
        headers.set("vary", f"{vary}, Origin")


async def _finish_later(policy: _Policy, request: RequestBase, result: Awaitable[Any]) -> Any:
    return policy.finish(request, await result)


def _wrap(policy: _Policy, handler: Handler) -> Handler:
    """``handler`` with the CORS headers added to its response; async stays async."""
    if _is_coroutine_function(handler):

        @functools.wraps(handler)
        async def cors_async_handler(ctx: Any, request: RequestBase) -> Any:
            refused = policy.refuse(ctx, request)
            if refused is not None:
                return refused
            return policy.finish(request, await handler(ctx, request))

        return cors_async_handler

    @functools.wraps(handler)
    def cors_handler(ctx: Any, request: RequestBase) -> Any:
        refused = policy.refuse(ctx, request)
        if refused is not None:
            return refused
        result = handler(ctx, request)
        if not isinstance(result, Response) and inspect.isawaitable(result):
            return _finish_later(policy, request, result)  # the dispatcher awaits it
        return policy.finish(request, result)

    return cors_handler


class Preflight:
    """The OPTIONS handler of one path or prefix: answers the browser's CORS preflight
    for the methods cors routers registered there (each with its router's settings)."""

    def __init__(self, http: HttpRouter, shown: str) -> None:
        self._http = http
        self._shown = {shown}  # the path as each route() spelled it
        self._policies: dict[str, _Policy] = {}

    def add(self, methods: Sequence[str], policy: _Policy, shown: str) -> None:
        self._shown.add(shown)
        for method in methods:
            self._policies[method] = policy

    def __call__(self, ctx: Any, request: RequestBase) -> Response:
        headers = request.headers
        origin = headers.get("origin")
        requested = headers.get("access-control-request-method")
        if origin is None or requested is None or not self._policies:
            return self._plain_options()

        method = "GET" if requested.upper() == "HEAD" else requested.upper()
        policy = self._policies.get(method) or next(iter(self._policies.values()))
        if not policy.admits(origin):
            allowed = ", ".join(policy.origins)
            self._refused(ctx, request, f"origin {origin!r} is not in allowed_origins ({allowed})")
            return _forbidden() if policy.enforce else self._answer(policy, None, {})

        methods = [
            m for m in _METHOD_ORDER if m in self._policies and self._policies[m].admits(origin)
        ]
        if requested != requested.upper() and requested.upper() in methods:
            methods.append(requested)  # fetch sends "patch" as written and compares it so
        out = {"access-control-allow-methods": ", ".join(methods)}
        asked = [
            h.strip().lower()
            for h in (headers.get("access-control-request-headers") or "").split(",")
        ]
        asked = [h for h in asked if h]
        # For "*", the names asked for: a literal "*" would not cover Authorization.
        allow_headers = (
            policy.allow_headers
            if policy.headers is not None
            else ", ".join(h for h in asked if is_token(h))
        )
        if allow_headers:
            out["access-control-allow-headers"] = allow_headers

        if method not in self._policies:
            routed = ", ".join(m for m in _METHOD_ORDER if m in self._policies)
            why: str | None = f"{requested} is not CORS-routed here (CORS-routed: {routed})"
        elif refused := [
            h
            for h in asked
            if not is_token(h) or (policy.headers is not None and h not in policy.headers)
        ]:
            allowed = policy.allow_headers or "none"
            why = f"request headers {refused} are not in allowed_headers ({allowed})"
        else:
            why = None
        if why is None:
            out["access-control-max-age"] = policy.max_age  # a refusal is never cached
        else:
            self._refused(ctx, request, why)
        return self._answer(policy, policy.allow_origin(request), out)

    @staticmethod
    def _answer(policy: _Policy, allow: str | None, out: dict[str, str]) -> Response:
        headers = Headers(out)
        if not policy.any_origin:
            headers.set("vary", "Origin")
        if allow is not None:
            headers.set("access-control-allow-origin", allow)
            if policy.credentials:
                headers.set("access-control-allow-credentials", "true")
        return Response(None, status=204, headers=headers)

    def _plain_options(self) -> Response:
        """An OPTIONS that is not a preflight: 204 with Allow, as for any routed path."""
        routed = frozenset(m for p, m, _ in self._http.routes() if p in self._shown)
        return Response(None, status=204, headers={"allow": _allow_header(routed)})

    @staticmethod
    def _refused(ctx: Any, request: RequestBase, why: str) -> None:
        logger.debug(
            "[%s] CORS preflight for %s refused: %s",
            _request_id(ctx),
            urlsplit(request.url).path,
            why,
        )


# The preflight of each path or prefix, per router: shared by every cors router on it.
_preflights: WeakKeyDictionary[HttpRouter, dict[tuple[str, str], Preflight]] = WeakKeyDictionary()


class CorsRouter:
    """Routes on ``http`` with CORS: ``route()`` as ``HttpRouter.route``."""

    def __init__(self, http: HttpRouter, policy: _Policy) -> None:
        self.http = http
        self._policy = policy

    def route(
        self,
        *,
        path: str | None = None,
        path_prefix: str | None = None,
        method: str | Sequence[str] = "GET",
        handler: Handler,
        pathPrefix: str | None = None,
    ) -> None:
        """Register ``handler`` with CORS, and the preflight for its path or prefix."""
        path, path_prefix = route_target(path, path_prefix, pathPrefix)
        where = repr(path) if path is not None else f"prefix {path_prefix!r}"
        if not callable(handler):
            raise ValueError(f"route {where}: handler {handler!r} is not callable")
        methods = _normalize_methods(method, where)
        if "OPTIONS" in methods:
            raise ValueError(
                f"cors route {where}: OPTIONS is the CORS preflight, which the cors router "
                "answers itself; route the other methods here"
            )
        # The router validates the path and refuses a method routed twice.
        self.http.route(
            path=path, path_prefix=path_prefix, method=methods, handler=_wrap(self._policy, handler)
        )
        if path is not None:
            compiled = compile_path(path)
            key = (
                ("path", compiled.static)
                if compiled.static is not None
                else ("pattern", compiled.key)
            )
            shown = path
        else:
            assert path_prefix is not None
            key, shown = ("prefix", compile_prefix(path_prefix)), path_prefix + "*"
        table = _preflights.setdefault(self.http, {})
        preflight = table.get(key)
        if preflight is None:
            preflight = Preflight(self.http, shown)
            try:
                self.http.route(
                    path=path, path_prefix=path_prefix, method="OPTIONS", handler=preflight
                )
            except ValueError as exc:
                raise ValueError(
                    f"cors route {where}: the path already has an OPTIONS route registered on "
                    "the router itself, and CORS needs OPTIONS for the preflight: remove that "
                    f"route ({exc})"
                ) from None
            table[key] = preflight
        preflight.add(methods, self._policy, shown)


def cors_router(
    http: HttpRouter,
    config: Mapping[str, Any] | None = None,
    *,
    allowed_origins: Iterable[str] | None = None,
    allowed_headers: Iterable[str] | None = None,
    exposed_headers: Iterable[str] | None = None,
    allow_credentials: bool | None = None,
    max_age: int | None = None,
    enforce: bool | None = None,
) -> CorsRouter:
    """A router whose ``route()`` adds CORS to ``http``'s routes (convex-helpers' ``corsRouter``).

    ``allowed_origins`` (default ``["*"]``): ``"https://app.example.com"``,
    ``"*.example.com"`` (https subdomains), ``"http://*.example.com:8080"``, ``"null"``
    or ``"*"``. ``allowed_headers`` (default ``["Content-Type"]``, ``["*"]`` for any):
    request headers a page may send. ``exposed_headers`` (default ``["Content-Range",
    "Accept-Ranges"]``): response headers a page may read. ``allow_credentials``:
    cookies may be sent and the answer read. ``max_age``: seconds a browser may
    cache a preflight. ``enforce``: a request from an origin not allowed gets 403
    and never reaches the handler (otherwise only the browser hides the answer).

    ``config`` takes the same settings as a dict under convex-helpers' names
    (``allowedOrigins``, ``allowedHeaders``, ``exposedHeaders``, ``allowCredentials``,
    ``browserCacheMaxAge``, ``enforceAllowOrigins``) or ours; keywords win.
    """
    if not isinstance(http, HttpRouter):
        raise TypeError(f"cors_router: expected an HttpRouter (from http_router()), got {http!r}")
    settings: dict[str, Any] = {}
    for key, value in (config or {}).items():
        if key == "debug":
            raise TypeError(
                "cors_router: no 'debug' option: refusals are logged at DEBUG on the "
                "'convexhttp.cors' logger; enable it with "
                "logging.getLogger('convexhttp.cors').setLevel(logging.DEBUG)"
            )
        name = _CONFIG_KEYS.get(key, key)
        if name not in _CONFIG_KEYS.values():
            raise TypeError(
                f"cors_router: unknown option {key!r}; use {', '.join(sorted(_CONFIG_KEYS))}"
            )
        if name in settings:
            raise TypeError(
                f"cors_router: the config dict gives {name} twice ({key!r} and another)"
            )
        settings[name] = value
    given = {
        "allowed_origins": allowed_origins,
        "allowed_headers": allowed_headers,
        "exposed_headers": exposed_headers,
        "allow_credentials": allow_credentials,
        "max_age": max_age,
        "enforce": enforce,
    }
    settings.update({name: value for name, value in given.items() if value is not None})
    policy = _policy(
        settings.get("allowed_origins", ["*"]),
        settings.get("allowed_headers", DEFAULT_ALLOWED_HEADERS),
        settings.get("exposed_headers", DEFAULT_EXPOSED_HEADERS),
        settings.get("allow_credentials", False),
        settings.get("max_age", DEFAULT_MAX_AGE),
        settings.get("enforce", False),
    )
    return CorsRouter(http, policy)


corsRouter = cors_router
