"""HttpRouter: registration rules, conflicts and Convex's lookup order (SPEC 3)."""

from __future__ import annotations

from typing import Any

import pytest

from convexhttp import HttpRouter, http_router, httpRouter
from convexhttp.paths import ParamDecodeError


def h1(ctx: Any, request: Any) -> None: ...
def h2(ctx: Any, request: Any) -> None: ...
def h3(ctx: Any, request: Any) -> None: ...


def test_http_router_and_its_convex_alias_build_routers() -> None:
    assert isinstance(http_router(), HttpRouter)
    assert httpRouter is http_router


class TestRegistration:
    def test_path_and_prefix_together_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="exactly one of path or path_prefix"):
            http_router().route(path="/a", path_prefix="/a/", handler=h1)

    def test_neither_path_nor_prefix_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="exactly one"):
            http_router().route(handler=h1)

    def test_path_must_start_with_slash(self) -> None:
        with pytest.raises(ValueError, match="'a'"):
            http_router().route(path="a", handler=h1)

    @pytest.mark.parametrize("prefix", ["/a", "a/", ""])
    def test_prefix_must_start_and_end_with_slash(self, prefix: str) -> None:
        with pytest.raises(ValueError, match=repr(prefix)):
            http_router().route(path_prefix=prefix, handler=h1)

    def test_method_defaults_to_get(self) -> None:
        http = http_router()
        http.route(path="/a", handler=h1)
        assert http.routes() == [("/a", "GET", h1)]

    def test_methods_are_case_insensitive(self) -> None:
        http = http_router()
        http.route(path="/a", method="post", handler=h1)
        assert http.lookup("/a", "POST") == (h1, "POST", "/a", {})

    def test_method_list_registers_each(self) -> None:
        http = http_router()
        http.route(
            path="/m", method=["GET", "post", "Put", "DELETE", "PATCH", "OPTIONS"], handler=h1
        )
        assert [m for _, m, _ in http.routes()] == [
            "GET",
            "POST",
            "PUT",
            "DELETE",
            "PATCH",
            "OPTIONS",
        ]

    @pytest.mark.parametrize("method", ["HEAD", "head", "CONNECT", "TRACE", "FETCH", ""])
    def test_unroutable_methods_are_refused_by_name(self, method: str) -> None:
        with pytest.raises(ValueError, match=repr(method)):
            http_router().route(path="/a", method=method, handler=h1)

    def test_empty_method_list_is_refused(self) -> None:
        with pytest.raises(ValueError, match="empty"):
            http_router().route(path="/a", method=[], handler=h1)

    def test_handler_must_be_callable(self) -> None:
        with pytest.raises(ValueError, match="not callable"):
            http_router().route(path="/a", handler="nope")  # type: ignore[arg-type]

    def test_path_prefix_convex_spelling(self) -> None:
        http = http_router()
        http.route(pathPrefix="/p/", handler=h1)
        assert http.routes() == [("/p/*", "GET", h1)]

    def test_bad_pattern_names_path_and_position(self) -> None:
        with pytest.raises(ValueError, match=r"/a/:.*position 4"):
            http_router().route(path="/a/:", handler=h1)


class TestConflicts:
    def test_same_method_same_path_names_both_routes(self) -> None:
        http = http_router()
        http.route(path="/a", method="POST", handler=h1)
        with pytest.raises(ValueError, match=r"POST '/a'.*POST '/a'"):
            http.route(path="/a", method="post", handler=h2)

    def test_equivalent_patterns_conflict(self) -> None:
        http = http_router()
        http.route(path="/p/:id", handler=h1)
        with pytest.raises(ValueError, match=r"'/p/:productId'.*'/p/:id'"):
            http.route(path="/p/:productId", handler=h2)

    def test_same_prefix_twice_conflicts(self) -> None:
        http = http_router()
        http.route(path_prefix="/p/", handler=h1)
        with pytest.raises(ValueError, match=r"/p/\*"):
            http.route(path_prefix="/p/", handler=h2)

    def test_other_method_on_the_same_path_is_fine(self) -> None:
        http = http_router()
        http.route(path="/a", method="GET", handler=h1)
        http.route(path="/a", method="POST", handler=h2)
        assert http.lookup("/a", "POST") == (h2, "POST", "/a", {})

    def test_failed_registration_registers_nothing(self) -> None:
        http = http_router()
        http.route(path="/a", method="POST", handler=h1)
        with pytest.raises(ValueError):
            http.route(path="/a", method=["PUT", "POST"], handler=h2)
        assert http.lookup("/a", "PUT") is None


class TestLookup:
    def test_static_beats_pattern_beats_prefix(self) -> None:
        http = http_router()
        http.route(path_prefix="/p/", handler=h3)
        http.route(path="/p/:id", handler=h2)
        http.route(path="/p/static", handler=h1)
        assert http.lookup("/p/static", "GET") == (h1, "GET", "/p/static", {})
        assert http.lookup("/p/7", "GET") == (h2, "GET", "/p/:id", {"id": "7"})
        assert http.lookup("/p/7/deeper", "GET") == (h3, "GET", "/p/*", {})

    def test_first_registered_pattern_wins(self) -> None:
        http = http_router()
        http.route(path="/x/:a", handler=h1)
        http.route(path="/x/:b(\\d+)", handler=h2)
        assert http.lookup("/x/1", "GET") == (h1, "GET", "/x/:a", {"a": "1"})

    def test_first_registered_wins_across_trie_depths(self) -> None:
        http = http_router()
        http.route(path="/:any/users/:id", handler=h1)  # indexed at the root
        http.route(path="/api/users/:id", handler=h2)  # indexed under api/users
        assert http.lookup("/api/users/1", "GET") == (
            h1,
            "GET",
            "/:any/users/:id",
            {"any": "api", "id": "1"},
        )

    def test_longest_prefix_wins(self) -> None:
        http = http_router()
        http.route(path_prefix="/a/", handler=h1)
        http.route(path_prefix="/a/b/", handler=h2)
        assert http.lookup("/a/b/c", "GET") == (h2, "GET", "/a/b/*", {})
        assert http.lookup("/a/c", "GET") == (h1, "GET", "/a/*", {})
        assert http.lookup("/a/b/", "GET") == (h2, "GET", "/a/b/*", {})

    def test_prefix_does_not_match_without_trailing_slash(self) -> None:
        http = http_router()
        http.route(path_prefix="/profile/", handler=h1)
        assert http.lookup("/profile/", "GET") is not None
        assert http.lookup("/profile/a/b", "GET") is not None
        assert http.lookup("/profile", "GET") is None

    def test_root_prefix_matches_everything(self) -> None:
        http = http_router()
        http.route(path_prefix="/", handler=h1)
        assert http.lookup("/anything/at/all", "GET") == (h1, "GET", "/*", {})

    def test_strict_trailing_slash_and_case(self) -> None:
        http = http_router()
        http.route(path="/a", handler=h1)
        http.route(path="/p/:id", handler=h2)
        assert http.lookup("/a/", "GET") is None
        assert http.lookup("/A", "GET") is None
        assert http.lookup("/p/1/", "GET") is None

    def test_head_is_looked_up_as_get(self) -> None:
        http = http_router()
        http.route(path="/a", handler=h1)
        assert http.lookup("/a", "HEAD") == (h1, "GET", "/a", {})

    def test_method_falls_through_to_later_kinds(self) -> None:
        # As Convex: an exact route without the method does not hide a prefix route with it.
        http = http_router()
        http.route(path="/p/x", method="GET", handler=h1)
        http.route(path_prefix="/p/", method="POST", handler=h2)
        assert http.lookup("/p/x", "POST") == (h2, "POST", "/p/*", {})

    def test_match_reports_allowed_methods_for_405(self) -> None:
        http = http_router()
        http.route(path="/a", method=["GET", "POST"], handler=h1)
        http.route(path_prefix="/", method="PUT", handler=h2)
        route, _, allowed = http.match("/a", "DELETE")
        assert route is None
        assert allowed == {"GET", "POST", "PUT"}
        assert http.match("/nothing", "GET")[0] is None
        assert http.match("/nothing", "GET")[2] == {"PUT"}

    def test_no_route_means_empty_allowed(self) -> None:
        http = http_router()
        http.route(path="/a", handler=h1)
        route, _, allowed = http.match("/b", "GET")
        assert route is None and not allowed

    def test_lookup_normalises_the_raw_path(self) -> None:
        http = http_router()
        http.route(path="/café", handler=h1)
        http.route(path="/~user", handler=h2)
        assert http.lookup("/caf%C3%A9", "GET") == (h1, "GET", "/café", {})
        assert http.lookup("/caf%c3%a9", "GET") == (h1, "GET", "/café", {})
        assert http.lookup("/%7Euser", "GET") == (h2, "GET", "/~user", {})

    def test_encoded_slash_stays_in_its_segment(self) -> None:
        http = http_router()
        http.route(path="/file/:name", handler=h1)
        assert http.lookup("/file/a%2Fb", "GET") == (h1, "GET", "/file/:name", {"name": "a/b"})
        assert http.lookup("/file/a/b", "GET") is None

    def test_invalid_escape_in_a_param_raises(self) -> None:
        http = http_router()
        http.route(path="/file/:name", handler=h1)
        with pytest.raises(ParamDecodeError):
            http.lookup("/file/%FF", "GET")

    def test_routes_lists_in_lookup_order(self) -> None:
        http = http_router()
        http.route(path_prefix="/z/", handler=h3)
        http.route(path_prefix="/z/long/", handler=h3)
        http.route(path="/p/:id", method=["GET", "POST"], handler=h2)
        http.route(path="/s", handler=h1)
        assert [(p, m) for p, m, _ in http.getRoutes()] == [
            ("/s", "GET"),
            ("/p/:id", "GET"),
            ("/p/:id", "POST"),
            ("/z/long/*", "GET"),
            ("/z/*", "GET"),
        ]


class TestTables:
    def test_routes_added_after_a_lookup_are_found(self) -> None:
        http = http_router()
        http.route(path="/a/:id", handler=h1)
        match = http.match  # as an adapter may hold it
        assert match("/b/1", "GET")[0] is None
        http.route(path="/b/:id", handler=h2)
        route, params, _ = match("/b/1", "GET")
        assert route is not None and route.handler is h2 and params == {"id": "1"}
        assert http.lookup("/b/1", "GET") == (h2, "GET", "/b/:id", {"id": "1"})

    def test_many_siblings(self) -> None:
        http = http_router()
        names = [f"s{i:02d}" for i in range(0, 120, 2)]
        for name in names:
            http.route(path=f"/{name}/:id", method=["GET", "PUT"], handler=h1)
        for name in names:
            assert http.lookup(f"/{name}/7", "PUT") == (h1, "PUT", f"/{name}/:id", {"id": "7"})
            odd = f"s{int(name[1:]) + 1:02d}"
            assert http.lookup(f"/{odd}/7", "GET") is None
        assert http.match("/s10/7", "POST")[2] == {"GET", "PUT"}

    def test_deep_routes(self) -> None:
        http = http_router()
        deep = "".join(f"/d{i}/:p{i}" for i in range(40))
        http.route(path=deep, handler=h2)
        http.route(path=deep + "/x", handler=h3)
        path = "".join(f"/d{i}/v{i}" for i in range(40))
        params = {f"p{i}": f"v{i}" for i in range(40)}
        assert http.lookup(path, "GET") == (h2, "GET", deep, params)
        assert http.lookup(path + "/x", "GET") == (h3, "GET", deep + "/x", params)
        assert http.lookup(path + "/y", "GET") is None


class TestSpecExamples:
    """Every SPEC 3.1 example through the router."""

    @pytest.fixture
    def http(self) -> HttpRouter:
        http = http_router()
        for path in [
            "/product/:productId",
            "/file/:path+",
            "/assets/{:path}*",
            "/users?/:id",
            r"/item/:id(\d+)",
            r"/static\:thing",
        ]:
            http.route(path=path, handler=h1)
        return http

    @pytest.mark.parametrize(
        ("path", "routed", "params"),
        [
            ("/product/1", "/product/:productId", {"productId": "1"}),
            ("/file/folder/sub", "/file/:path+", {"path": ["folder", "sub"]}),
            ("/file/folder", "/file/:path+", {"path": ["folder"]}),
            ("/assets/folder/sub", "/assets/{:path}*", {"path": ["folder", "sub"]}),
            ("/assets/", "/assets/{:path}*", {}),
            ("/user/1", "/users?/:id", {"id": "1"}),
            ("/users/2", "/users?/:id", {"id": "2"}),
            ("/item/42", r"/item/:id(\d+)", {"id": "42"}),
            ("/static:thing", r"/static\:thing", {}),
        ],
    )
    def test_matches(
        self, http: HttpRouter, path: str, routed: str, params: dict[str, Any]
    ) -> None:
        assert http.lookup(path, "GET") == (h1, "GET", routed, params)

    @pytest.mark.parametrize(
        "path", ["/item/abc", "/file/", "/product/", "/product/1/2", "/userss/1"]
    )
    def test_does_not_match(self, http: HttpRouter, path: str) -> None:
        assert http.lookup(path, "GET") is None


class TestMethodFallThroughIsNotBlockedByOtherMethods:
    def test_bad_param_of_a_route_without_the_method_does_not_fail_the_request(self) -> None:
        http = http_router()
        http.route(path="/file/:name", method="GET", handler=h1)
        http.route(path_prefix="/file/", method="POST", handler=h2)
        assert http.lookup("/file/%FF", "POST") == (h2, "POST", "/file/*", {})
        with pytest.raises(ParamDecodeError):
            http.lookup("/file/%FF", "GET")

    def test_allowed_methods_count_a_pattern_whose_params_are_bad(self) -> None:
        http = http_router()
        http.route(path="/file/:name", method="GET", handler=h1)
        route, _, allowed = http.match("/file/%FF", "PUT")
        assert route is None and allowed == {"GET"}


TRICKY_PATTERNS = [
    "/a/:b?",
    "/x/y/:z*",
    "/files{/:rest}*",
    "/-/?",
    "/users?/:id",
    "/assets/{:path}*",
    "/file/:path+",
    "/api/v1/:id.json",
    "/a-:id",
    "/:x/b",
    r"/item/:id(\d+)",
    "/p/:a-:b",
    "/q/{x-:y}?",
]
CANDIDATE_PATHS = [
    "/", "/a", "/a/", "/a/1", "/x/y", "/x/y/", "/x/y/1/2", "/files", "/files/", "/files/a/b",
    "/-", "/-/", "/user/1", "/users/1", "/assets/", "/assets/a/b", "/file/a", "/file/",
    "/api/v1/7.json", "/api/v1/.json", "/a-7", "/z/b", "/item/12", "/item/x", "/p/a-b",
    "/p/a-b-c", "/q/", "/q/x-1", "/q",
]  # fmt: skip


@pytest.mark.parametrize("pattern", TRICKY_PATTERNS)
def test_router_lookup_agrees_with_the_compiled_pattern(pattern: str) -> None:
    from convexhttp.paths import compile_path, normalize_path

    http = http_router()
    http.route(path=pattern, handler=h1)
    compiled = compile_path(pattern)
    for path in CANDIDATE_PATHS:
        expected = compiled.match(normalize_path(path))
        found = http.lookup(path, "GET")
        assert (found[3] if found else None) == expected, (pattern, path)
