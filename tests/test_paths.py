"""convexhttp.paths: route path syntax, normalisation, matching (SPEC 3, 3.1)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest

from convexhttp.paths import (
    CompiledPath,
    ParamDecodeError,
    PathSyntaxError,
    PatternTimeout,
    compile_path,
    compile_prefix,
    normalize_path,
)


def match(pattern: str, path: str) -> dict[str, Any] | None:
    """Match a raw request path the way the router does: normalise, then match."""
    return compile_path(pattern).match(normalize_path(path))


class TestSpecExamples:
    @pytest.mark.parametrize(
        ("pattern", "path", "params"),
        [
            ("/product/:productId", "/product/1", {"productId": "1"}),
            ("/file/:path+", "/file/folder/sub", {"path": ["folder", "sub"]}),
            ("/file/:path+", "/file/folder", {"path": ["folder"]}),
            ("/assets/{:path}*", "/assets/folder/sub", {"path": ["folder", "sub"]}),
            ("/assets/{:path}*", "/assets/folder", {"path": ["folder"]}),
            ("/assets/{:path}*", "/assets/", {}),
            ("/users?/:id", "/user/1", {"id": "1"}),
            ("/users?/:id", "/users/2", {"id": "2"}),
            (r"/item/:id(\d+)", "/item/12", {"id": "12"}),
            (r"/static\:thing", "/static:thing", {}),
        ],
    )
    def test_matches(self, pattern: str, path: str, params: dict[str, Any]) -> None:
        assert match(pattern, path) == params

    @pytest.mark.parametrize(
        ("pattern", "path"),
        [
            ("/product/:productId", "/product/"),
            ("/product/:productId", "/product/1/2"),
            ("/file/:path+", "/file/"),
            ("/file/:path+", "/file"),
            ("/assets/{:path}*", "/assets"),
            ("/users?/:id", "/userss/1"),
            (r"/item/:id(\d+)", "/item/ab"),
            (r"/static\:thing", "/static"),
        ],
    )
    def test_does_not_match(self, pattern: str, path: str) -> None:
        assert match(pattern, path) is None


class TestGrammar:
    def test_named_param_is_one_segment(self) -> None:
        assert match("/a/:b/c", "/a/x/c") == {"b": "x"}
        assert match("/a/:b/c", "/a/x/y/c") is None

    def test_param_name_chars(self) -> None:
        assert match("/:A_1z", "/v") == {"A_1z": "v"}
        assert match("/:id.json", "/7.json") == {"id": "7"}  # '.' ends the name

    def test_custom_pattern(self) -> None:
        assert match(r"/:n(\d+)-x", "/12-x") == {"n": "12"}
        assert match(r"/:n(\d+)-x", "/ab-x") is None

    def test_custom_pattern_may_span_segments(self) -> None:
        assert match("/files/:rest(.*)", "/files/a/b") == {"rest": "a/b"}

    def test_custom_pattern_character_class_holds_parens(self) -> None:
        assert match("/:p([()]+)", "/()(") == {"p": "()("}

    def test_unnamed_params_are_numbered_in_order(self) -> None:
        assert match(r"/(\d+)/(\w+)", "/1/ab") == {"0": "1", "1": "ab"}
        assert match(r"/:x(\d+)/(\w+)", "/1/ab") == {"x": "1", "0": "ab"}

    def test_group_with_prefix_and_suffix(self) -> None:
        assert match("/a{-:b-}?c", "/a-x-c") == {"b": "x"}
        assert match("/a{-:b-}?c", "/ac") == {}

    def test_plain_group_is_literal(self) -> None:
        assert compile_path("/a{bc}d").static == "/abcd"

    def test_optional_literal_group(self) -> None:
        assert match("/app{/login}?", "/app") == {}
        assert match("/app{/login}?", "/app/login") == {}

    def test_optional_param_absent_from_params(self) -> None:
        assert match("/a/:b?", "/a") == {}
        assert match("/a/:b?", "/a/x") == {"b": "x"}

    def test_star_and_plus_on_params(self) -> None:
        assert match("/a/:b*", "/a") == {}
        assert match("/a/:b*", "/a/x/y") == {"b": ["x", "y"]}
        assert match("/a/:b+", "/a") is None

    def test_dot_prefix_repeats_by_dot(self) -> None:
        assert match("/f.:ext+", "/f.tar.gz") == {"ext": ["tar", "gz"]}
        assert match("/f.:ext+", "/f.tar/gz") is None

    def test_group_without_prefix_repeats_across_slashes(self) -> None:
        assert match("/x/{:p}+", "/x/a/b/c") == {"p": ["a", "b", "c"]}
        assert match("/x-:p+", "/x-a/b") == {"p": ["a", "b"]}

    def test_repeat_separator_is_suffix_then_prefix(self) -> None:
        assert match("/{(\\d+)_}+", "/1_2_") == {"0": ["1", "2"]}

    def test_escapes_make_characters_literal(self) -> None:
        for char in ":(){}?*+\\":
            compiled = compile_path(f"/a\\{char}b")
            assert compiled.static == normalize_path(f"/a{char}b")

    def test_escaped_parentheses_and_backslashes_are_literal_text(self) -> None:
        # As v6.3.0 reads them: \( \) and \\ are text, and escaped text is never a prefix.
        assert match(r"/:foo\(test\)/bar", "/foo(test)/bar") == {"foo": "foo"}
        assert match(r"/a\\:b", "/a%5Cx") == {"b": "x"}
        assert match(r"/a\\:b", "/a\\x") == {"b": "x"}
        assert compile_path(r"/a\/b").static == "/a/b"
        assert match(r"/file\.:ext", "/file.tar.gz") == {"ext": "tar.gz"}  # '/file.' holds a '/'
        # v6's '/route\(\\(\d+\\)\)': a custom pattern matches the normalised path, so
        # the backslash it wants is written '%5C' there.
        assert match(r"/route\(\\(\d+%5C)\)", "/route(\\123\\)") == {"0": "123\\"}

    def test_express_optional_character(self) -> None:
        assert match("/colou?r", "/color") == {}
        assert match("/colou?r", "/colour") == {}
        assert match("/a/?", "/a") == {}
        assert match("/a/?", "/a/") == {}
        assert match("/caf\\é?", "/caf") == {}
        assert match("/caf\\é?", "/café") == {}

    def test_two_params_in_a_segment(self) -> None:
        # v6.3.0: a param after text holds no copy of that text; the one before takes the rest.
        assert match("/:a-:b", "/foo-bar") == {"a": "foo", "b": "bar"}
        assert match("/:a-:b", "/x-y-z") == {"a": "x-y", "b": "z"}
        assert match("/:name.:ext", "/archive.tar.gz") == {"name": "archive.tar", "ext": "gz"}
        assert match("/:name.:ext", "/archive") is None
        assert match("/:a-x-:b", "/1-x-2-x-3") == {"a": "1-x-2", "b": "3"}
        assert match("/:a-x-:b", "/1-x-2-y") == {"a": "1", "b": "2-y"}

    def test_text_before_a_param_is_what_it_cannot_hold(self) -> None:
        # Only the text right before the param counts, and none when it holds a '/'.
        assert match("/f/x-:b", "/f/x-1-2") == {"b": "1-2"}
        assert match("/:foo\\(:bar?\\)", "/a(b(c)") == {"foo": "a(b", "bar": "c"}
        assert match("/:a{-:b}?", "/x-y-z") == {"a": "x-y", "b": "z"}
        assert match("/{$:foo}{$:bar}?", "/$x$y$z") is None  # 'foo' holds no '$' either

    def test_custom_pattern_after_text_takes_what_it_matches(self) -> None:
        assert match(r"/:a-:b(\d+)", "/x-y-1") == {"a": "x-y", "b": "1"}

    def test_param_before_text_takes_the_shortest_value(self) -> None:
        assert match("/:name.json", "/my.data.json") == {"name": "my.data"}
        assert match("/:a{.json}?", "/x.json") == {"a": "x"}

    def test_adjacent_param_with_custom_pattern_is_allowed(self) -> None:
        assert match(r"/:a:b(\d+)", "/abc123") == {"a": "abc", "b": "123"}

    def test_static_text_is_normalised(self) -> None:
        assert compile_path("/café").static == "/caf%C3%A9"
        assert match("/café", "/caf%c3%a9") == {}
        assert match("/~user", "/%7Euser") == {}
        assert match("/a b/:x", "/a%20b/1") == {"x": "1"}


class TestStrictMatching:
    def test_trailing_slash_is_strict(self) -> None:
        assert match("/a", "/a/") is None
        assert match("/a/", "/a") is None
        assert match("/a/:b", "/a/x/") is None

    def test_case_sensitive(self) -> None:
        assert match("/Test", "/test") is None
        assert match("/:x(abc)", "/ABC") is None

    def test_anchored_at_both_ends(self) -> None:
        assert match("/a", "/a/b") is None
        assert match("/b", "/a/b") is None
        assert match(r"/:n(\d+)", "/12x") is None


class TestParamDecoding:
    def test_encoded_slash_is_decoded_after_matching(self) -> None:
        assert match("/file/:name", "/file/a%2Fb") == {"name": "a/b"}
        assert match("/file/:name", "/file/a/b") is None

    def test_utf8_escapes_are_decoded(self) -> None:
        assert match("/p/:v", "/p/%E2%82%AC") == {"v": "€"}
        assert match("/p/:v", "/p/€") == {"v": "€"}

    def test_repeated_values_are_split_then_decoded(self) -> None:
        assert match("/f/:p+", "/f/a%2Fb/c") == {"p": ["a/b", "c"]}

    def test_reserved_escapes_stay_encoded_until_decoded(self) -> None:
        assert match("/q/:v", "/q/a%3Fb%23c") == {"v": "a?b#c"}

    @pytest.mark.parametrize("bad", ["%FF", "%C3", "%E2%82"])
    def test_invalid_escape_in_a_param_raises(self, bad: str) -> None:
        with pytest.raises(ParamDecodeError, match="'v'"):
            match("/p/:v", f"/p/{bad}")

    @pytest.mark.parametrize("bad", ["%ZZ", "100%", "%4"])
    def test_lone_percent_in_a_param_is_refused(self, bad: str) -> None:
        with pytest.raises(ParamDecodeError, match=repr(f"/p/{bad}")):
            normalize_path(f"/p/{bad}")  # the router never sees it
        with pytest.raises(ParamDecodeError, match="'v'"):
            compile_path("/p/:v").match(f"/p/{bad}")  # match() called directly

    def test_invalid_escape_outside_params_just_does_not_match(self) -> None:
        assert compile_path("/p/:v").match("/q%ZZ/x") is None

    def test_match_returns_a_fresh_dict(self) -> None:
        compiled = compile_path("/p/:v")
        first = compiled.match("/p/1")
        assert first is not None
        first["v"] = "changed"
        assert compiled.match("/p/1") == {"v": "1"}


class TestErrors:
    @pytest.mark.parametrize(
        ("pattern", "position", "reason"),
        [
            ("/a/:", 4, "expected a parameter name"),
            ("/:(test)", 2, "expected a parameter name"),
            ("a/b", 0, "must start with '/'"),
            ("", 0, "must start with '/'"),
            ("/:foo(abc", 5, "never closed"),
            ("/:foo(\\d", 5, "never closed"),
            ("/:foo()", 5, "empty parameter pattern"),
            ("/:foo(\\d+(\\.\\d+)?)", 9, "capturing groups"),
            ("/:foo(x(?P<n>y))", 5, "capturing groups"),
            ("/:foo(?:\\d+)", 6, "cannot start with '?'"),
            ("/:foo(x[)", 5, "never closed"),
            ("/:foo([)", 5, "never closed"),
            ("/:foo(\\1)", 5, "invalid parameter pattern"),
            ("/:foo((?i)x)", 5, "global inline flags"),
            ("/a)", 2, "')' closes no '('"),
            ("/{a", 1, "'{' is never closed"),
            ("/{a{b:foo}}", 3, "cannot be nested"),
            ("/a}", 2, "'}' closes no '{'"),
            ("/{:a:b}", 4, "at most one parameter"),
            ("/{:a?}", 4, "inside a group"),
            ("?", 0, "must start with '/'"),
            ("/a/+", 3, "must follow a parameter"),
            ("/foo*", 4, "must follow a parameter"),
            ("/:a+?", 4, "nothing to modify"),
            ("/{a}??", 5, "nothing to modify"),
            ("/a\\", 2, "escapes nothing"),
            ("/:a/:a", 4, "appears twice"),
            ("/:a:b", 3, "no text between them"),
            ("/:a{:b}?", 4, "no text between them"),
            ("/:a{x}?:b", 7, "no text between them"),
            ("/{x:a}?:b", 7, "no text between them"),
            (r"/:a(\d+):b", 8, "no text between them"),
            ("/users?:id", 7, "no text between them"),
        ],
    )
    def test_bad_pattern(self, pattern: str, position: int, reason: str) -> None:
        with pytest.raises(PathSyntaxError) as info:
            compile_path(pattern)
        message = str(info.value)
        assert repr(pattern) in message
        assert f"at position {position}" in message
        assert reason in message
        assert info.value.position == position
        assert info.value.path == pattern

    def test_error_message_format(self) -> None:
        with pytest.raises(PathSyntaxError) as info:
            compile_path("/a/:")
        assert str(info.value).startswith(
            "invalid route path '/a/:': expected a parameter name at position 4"
        )

    def test_is_a_value_error(self) -> None:
        with pytest.raises(ValueError):
            compile_path("/:")


class TestNormalizePath:
    @pytest.mark.parametrize(
        ("raw", "normal"),
        [
            ("/%7Euser", "/~user"),
            ("/%41%62%2d%2E%5f", "/Ab-._"),
            ("/a%2fb", "/a%2Fb"),
            ("/a%2Fb", "/a%2Fb"),
            ("/%e2%82%ac", "/%E2%82%AC"),
            ("/café", "/caf%C3%A9"),
            ("/€", "/%E2%82%AC"),
            ("/a b", "/a%20b"),
            ('/"<>`{}|\\^', "/%22%3C%3E%60%7B%7D%7C%5C%5E"),
            ("/\x00\x7f", "/%00%7F"),
            ("/a?b#c[]", "/a%3Fb%23c%5B%5D"),
            ("/100%25", "/100%25"),
            ("/%2541", "/%2541"),  # one pass: '%25' stays the '%' it stands for
            ("/\udcff", "/%FF"),  # a surrogate-escaped raw byte
        ],
    )
    def test_cases(self, raw: str, normal: str) -> None:
        assert normalize_path(raw) == normal

    @pytest.mark.parametrize(
        "raw",
        [
            "/100%",
            "/%zz",
            "/%4",
            "/%%41",
            "/a%/b",
            "/%%36%31dmin",  # would decode to '/%61dmin' and then to '/admin'
            "/%%%33%36%33dmin",  # would take three rounds to reach '/admin'
            "/%\u00e9",
        ],
    )
    def test_lone_percent_is_refused(self, raw: str) -> None:
        with pytest.raises(ParamDecodeError, match=r"'%' not followed by two hex digits") as info:
            normalize_path(raw)
        assert repr(raw) in str(info.value)

    def test_no_double_decoding(self) -> None:
        # A proxy that blocks '/admin' must not be bypassed by an escape built by decoding.
        assert normalize_path("/%2561dmin") == "/%2561dmin"
        assert compile_path("/admin").match(normalize_path("/%2561dmin")) is None

    @pytest.mark.parametrize("path", ["/", "/api/v1/users/42", "/a-b_c.d~e", "/!$&'()*+,;=:@", ""])
    def test_clean_paths_come_back_unchanged(self, path: str) -> None:
        assert normalize_path(path) is path

    def test_encoded_slash_is_never_decoded(self) -> None:
        assert normalize_path("/a%2F%2fb") == "/a%2F%2Fb"


class TestPercentInRoutes:
    """A lone '%' in a route's literal text is a literal '%' ('%25'); '\\%' always is."""

    @pytest.mark.parametrize(
        ("pattern", "static"),
        [
            ("/100%", "/100%25"),
            ("/100%25", "/100%25"),
            ("/%zz", "/%25zz"),
            ("/%41", "/A"),  # a valid escape is an escape, as in '/caf%C3%A9'
            ("/\\%41", "/%2541"),
            ("/{%}", "/%25"),
        ],
    )
    def test_static(self, pattern: str, static: str) -> None:
        assert compile_path(pattern).static == static

    def test_matches_the_encoded_percent(self) -> None:
        assert match("/100%", "/100%25") == {}
        assert match("/off/:n%", "/off/5%25") == {"n": "5"}
        assert match("/{%:n}?", "/%2512") == {"n": "12"}
        assert match("/a%?", "/a") == {}
        assert match("/a%?", "/a%25") == {}

    def test_prefix(self) -> None:
        assert compile_prefix("/5%/") == "/5%25/"


class TestCompiledForm:
    @pytest.mark.parametrize(
        ("pattern", "static"),
        [
            ("/", "/"),
            ("/a/b", "/a/b"),
            ("/café", "/caf%C3%A9"),
            ("/static\\:thing", "/static:thing"),
            ("/a{b}", "/ab"),
            ("/a/:b", None),
            ("/users?", None),
            ("/a{b}?", None),
            (r"/(\d+)", None),
        ],
    )
    def test_static(self, pattern: str, static: str | None) -> None:
        assert compile_path(pattern).static == static

    @pytest.mark.parametrize(
        ("pattern", "shape"),
        [
            # The table matcher walks these segments of a request: a literal is a dict
            # edge, ':' a plain param (no regex), '~' a segment regex; '...' is the
            # tail regex, matched from that segment on.
            ("/api/users/:id", "/api/users/:"),
            ("/", "/"),
            ("/:id", "/:"),
            ("/a//:c", "/a//:"),
            ("/café/:x", "/caf%C3%A9/:"),
            ("/users?/:id", "/~/:"),
            ("/file-:name", "/~"),
            ("/:name.:ext", "/~"),
            ("/f.:ext+", "/~"),
            ("/a/b:c", "/a/~"),
            ("/api{-:id}?", "/~"),
            ("/api/:x{-:y}?", "/api/~"),
            ("/a/:b/c", "/a/:/c"),
            ("/assets/{:path}*", "/assets/..."),
            ("/file/:path+", "/file/..."),
            (r"/item/:id(\d+)", "/item/..."),
            (r"/item/:id(\d+)/x", "/item/..."),
            ("/x/y/:z*", "/x/..."),  # '/x/y' matches
            ("/api/:id?", "/..."),  # '/api' matches
            ("/a/:b?", "/..."),
            ("/files{/:rest}*", "/..."),
            ("/-/?", "/..."),  # '/-' matches
            ("/a/b/:c?/d", "/a/..."),
            ("/a{/b}?/:c", "/..."),
            ("/name/:a?{-:b}?", "/..."),  # '/name-b' matches too
            ("/:a?", "..."),  # the whole path
        ],
    )
    def test_segments_the_table_matcher_walks(self, pattern: str, shape: str) -> None:
        compiled = compile_path(pattern)
        parts = [s if isinstance(s, str) else ":" if s is None else "~" for s in compiled.segments]
        assert "/".join(parts + ["..."] * compiled.has_tail) == shape

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("/p/:id", "/p/:productId"),
            (r"/p/:id(\d+)", r"/p/(\d+)"),
            ("/f/:p+", "/f/:q+"),
            ("/a{b}", "/ab"),
            ("/café", "/caf%C3%A9"),
        ],
    )
    def test_equivalent_patterns_share_a_key(self, a: str, b: str) -> None:
        assert compile_path(a).key == compile_path(b).key

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("/p/:id", "/p/:id?"),
            ("/p/:id", "/p/:id+"),
            ("/p/:id", r"/p/:id(\d+)"),
            ("/p/:id", "/q/:id"),
            ("/:a.:b", "/:a-:b"),
        ],
    )
    def test_different_patterns_have_different_keys(self, a: str, b: str) -> None:
        assert compile_path(a).key != compile_path(b).key

    def test_keeps_the_source(self) -> None:
        compiled = compile_path("/p/:productId")
        assert isinstance(compiled, CompiledPath)
        assert compiled.source == "/p/:productId"


class TestPrefix:
    def test_normalised(self) -> None:
        assert compile_prefix("/profile/") == "/profile/"
        assert compile_prefix("/café/") == "/caf%C3%A9/"
        assert compile_prefix("/%7eme/") == "/~me/"

    @pytest.mark.parametrize("prefix", ["/profile", "profile/", "", "x"])
    def test_must_start_and_end_with_a_slash(self, prefix: str) -> None:
        with pytest.raises(ValueError, match=repr(prefix)):
            compile_prefix(prefix)


class TestLinearTime:
    """GHSA-9wv6-86v2-598j: two params in a segment must not backtrack catastrophically."""

    def test_redos_inputs_finish(self) -> None:
        # A hung `re` match holds the GIL, so only a separate process can be timed out.
        # Unfixed, the first pattern takes seconds here and the second hours.
        code = textwrap.dedent(
            """
            from convexhttp.paths import compile_path
            evils = ["/" + "-" * 40000 + "x/", "/" + "-x" * 20000 + "/", "/x" + ".y" * 20000 + "/"]
            evils += ["/" + "x." * 20000 + "x/y", "/" + "x-x-" * 10000 + "/"]
            for pattern in [
                "/:a-:b", "/:a-:b-:c", "/:a.:b.:c", "/x/:a-:b/y", "/:a.:e+", "/:name.:ext",
                "/:a-x-:b", "/{-:a}+-:b", "/x{.:a}*.:b", "/:a{-:b}?{.:c}+", "/:p+-:b", "/:a-:p+",
            ]:
                for evil in evils:
                    assert compile_path(pattern).match(evil) is None, pattern
            assert compile_path("/:a-:b").match("/foo-bar") == {"a": "foo", "b": "bar"}
            """
        )
        subprocess.run([sys.executable, "-c", code], check=True, timeout=5)

    @pytest.mark.parametrize(
        ("pattern", "position", "reason"),
        [
            ("/w/:a+/:b+", 7, "a second repeated parameter or group"),
            ("/w/:a*/x/:b*", 9, "a second repeated parameter or group"),
            ("/:a+{-:b}*", 6, "a second repeated parameter or group"),
            ("/f.:e+/{:p}+", 8, "a second repeated parameter or group"),
            (r"/:a(\d+)+/:b+", 10, "a second repeated parameter or group"),
            ("/a{/b}*", 2, "a '*' on a group without a parameter"),
            ("/a{-b}+/:c", 2, "a '+' on a group without a parameter"),
        ],
    )
    def test_superlinear_default_shapes_are_refused(
        self, pattern: str, position: int, reason: str
    ) -> None:
        # SPEC 3.1: linear time or refused at route(); a timeout any client can
        # trigger would be a 500 and an error log line per request.
        with pytest.raises(PathSyntaxError) as info:
            compile_path(pattern)
        message = str(info.value)
        assert repr(pattern) in message
        assert f"{reason}" in message
        assert f"at position {position}" in message
        assert "linear time" in message
        assert info.value.position == position

    def test_two_repeats_cannot_force_a_timeout(self) -> None:
        with pytest.raises(PathSyntaxError, match="use a path_prefix route or one repeated"):
            compile_path("/w/:a+/:b+")
        compiled = compile_path("/w/:a+")  # one repeat is linear: no timeout to hit
        assert compiled.match("/w/" + "a/" * 2000 + "/") is None

    def test_custom_pattern_times_out(self) -> None:
        compiled = compile_path(r"/:x((?:a|a)*b)")
        with pytest.raises(PatternTimeout, match=r"/:x"):
            compiled.match("/" + "a" * 60)

    def test_pattern_timeout_is_a_timeout_error(self) -> None:
        assert issubclass(PatternTimeout, TimeoutError)


# path-to-regexp v6.3.0's own test table (src/index.spec.ts, "rules"), the rows whose
# semantics we keep, read with strict: true, end: true, sensitive: true. Request
# paths are normalised first, so a literal '?' in a route matches '%3F'. Params are
# decoded (v6's default decode is the identity).
V6_TABLE: list[tuple[str, str, dict[str, Any] | None]] = [
    ("/", "/", {}),
    ("/", "/route", None),
    ("/test", "/test", {}),
    ("/test", "/route", None),
    ("/test", "/test/route", None),
    ("/test", "/test/", None),
    ("/test", "/TEST", None),
    ("/test/", "/test", None),
    ("/test/", "/test/", {}),
    ("/test/", "/test//", None),
    ("/:test", "/route", {"test": "route"}),
    ("/:test", "/another", {"test": "another"}),
    ("/:test", "/something/else", None),
    ("/:test", "/route.json", {"test": "route.json"}),
    ("/:test", "/something%2Felse", {"test": "something/else"}),
    ("/:test", "/something%2Felse%2Fmore", {"test": "something/else/more"}),
    ("/:test", "/;,:@&=+$-_.!~*()", {"test": ";,:@&=+$-_.!~*()"}),
    ("/:test", "/route/", None),
    ("/:test/", "/route/", {"test": "route"}),
    ("/:test/", "/route//", None),
    ("/:test?", "/route", {"test": "route"}),
    ("/:test?", "/route/nested", None),
    ("/:test?", "/", None),
    ("/:test?", "//", None),
    ("/:test?/", "/route", None),
    ("/:test?/", "/route/", {"test": "route"}),
    ("/:test?/", "/", {}),
    ("/:test?/", "//", None),
    ("/:test?/bar", "/bar", {}),
    ("/:test?/bar", "/foo/bar", {"test": "foo"}),
    ("/:test?-bar", "/-bar", None),
    ("/:test?-bar", "/foo-bar", {"test": "foo"}),
    ("/:test*-bar", "/-bar", None),
    ("/:test*-bar", "/foo-bar", {"test": ["foo"]}),
    ("/:test*-bar", "/foo/baz-bar", {"test": ["foo", "baz"]}),
    ("/:test+", "/", None),
    ("/:test+", "/route", {"test": ["route"]}),
    ("/:test+", "/some/basic/route", {"test": ["some", "basic", "route"]}),
    ("/:test+", "//", None),
    (r"/:test(\d+)+", "/abc/456/789", None),
    (r"/:test(\d+)+", "/123/456/789", {"test": ["123", "456", "789"]}),
    ("/route.:ext(json|xml)+", "/route", None),
    ("/route.:ext(json|xml)+", "/route.json", {"ext": ["json"]}),
    ("/route.:ext(json|xml)+", "/route.xml.json", {"ext": ["xml", "json"]}),
    ("/route.:ext(json|xml)+", "/route.html", None),
    (r"/route.:ext(\w+)/test", "/route", None),
    (r"/route.:ext(\w+)/test", "/route.json", None),
    (r"/route.:ext(\w+)/test", "/route.xml/test", {"ext": "xml"}),
    (r"/route.:ext(\w+)/test", "/route.json.gz/test", None),
    ("/:test*", "/", None),  # strict, as "/:test?" against "/"
    ("/:test*", "//", None),
    ("/:test*", "/route", {"test": ["route"]}),
    ("/:test*", "/some/basic/route", {"test": ["some", "basic", "route"]}),
    ("/route.:ext([a-z]+)*", "/route", {}),
    ("/route.:ext([a-z]+)*", "/route.json", {"ext": ["json"]}),
    ("/route.:ext([a-z]+)*", "/route.json.xml", {"ext": ["json", "xml"]}),
    ("/route.:ext([a-z]+)*", "/route.123", None),
    (r"/:test(\d+)", "/123", {"test": "123"}),
    (r"/:test(\d+)", "/abc", None),
    (r"/:test(\d+)", "/123/abc", None),
    ("/:test(.*)", "/anything/goes/here", {"test": "anything/goes/here"}),
    ("/:test(.*)", "/;,:@&=/+$-_.!/~*()", {"test": ";,:@&=/+$-_.!/~*()"}),
    ("/:route([a-z]+)", "/abcde", {"route": "abcde"}),
    ("/:route([a-z]+)", "/12345", None),
    ("/:route(this|that)", "/this", {"route": "this"}),
    ("/:route(this|that)", "/that", {"route": "that"}),
    ("/:route(this|that)", "/foo", None),
    ("/:path(abc|xyz)*", "/abc", {"path": ["abc"]}),
    ("/:path(abc|xyz)*", "/abc/abc", {"path": ["abc", "abc"]}),
    ("/:path(abc|xyz)*", "/xyz/xyz", {"path": ["xyz", "xyz"]}),
    ("/:path(abc|xyz)*", "/abc/xyz", {"path": ["abc", "xyz"]}),
    ("/:path(abc|xyz)*", "/abc/xyz/abc/xyz", {"path": ["abc", "xyz", "abc", "xyz"]}),
    ("/:path(abc|xyz)*", "/xyzxyz", None),
    ("/test.json", "/test.json", {}),
    ("/test.json", "/route.json", None),
    ("/:test.json", "/.json", None),
    ("/:test.json", "/test.json", {"test": "test"}),
    ("/:test.json", "/route.json", {"test": "route"}),
    ("/:test.json", "/route.json.json", {"test": "route.json"}),
    (r"/test.:format(\w+)", "/test.html", {"format": "html"}),
    (r"/test.:format(\w+)", "/test.hbs.html", None),
    ("/test{.:format}+", "/test.html", {"format": ["html"]}),
    ("/test{.:format}+", "/test.hbs.html", {"format": ["hbs", "html"]}),
    ("/test.:format.", "/test.html.", {"format": "html"}),
    ("/test.:format.", "/test.hbs.html", None),
    ("/:test.:format", "/route.html", {"test": "route", "format": "html"}),
    ("/:test.:format", "/route", None),
    ("/:test.:format", "/route.html.json", {"test": "route.html", "format": "json"}),
    ("/:test{.:format}?", "/route", {"test": "route"}),
    ("/:test{.:format}?", "/route.json", {"test": "route", "format": "json"}),
    ("/:test{.:format}?", "/route.json.html", {"test": "route.json", "format": "html"}),
    ("/test.:format(.*)z", "/test.abc", None),
    ("/test.:format(.*)z", "/test.z", {"format": ""}),
    ("/test.:format(.*)z", "/test.abcz", {"format": "abc"}),
    (r"/(\d+)", "/123", {"0": "123"}),
    (r"/(\d+)", "/abc", None),
    (r"/(\d+)", "/123/abc", None),
    (r"/(\d+)?", "/", None),  # strict
    (r"/(\d+)?", "/123", {"0": "123"}),
    ("/(.*)", "/", {"0": ""}),
    ("/(.*)", "/route", {"0": "route"}),
    ("/(.*)", "/route/nested", {"0": "route/nested"}),
    (r"/:foo\(test\)/bar", "/foo(test)/bar", {"foo": "foo"}),
    (r"/:foo\(test\)/bar", "/another/bar", None),
    (r"/\(testing\)", "/testing", None),
    (r"/\(testing\)", "/(testing)", {}),
    (r"/.\+\*\?\{\}=^!\:$[]|", "/.+*?{}=^!:$[]|", {}),
    (r"/test\/:uid(u\d+)?:cid(c\d+)?", "/test", None),
    (r"/test\/:uid(u\d+)?:cid(c\d+)?", "/test/", {}),
    (r"/test\/:uid(u\d+)?:cid(c\d+)?", "/test/u123", {"uid": "u123"}),
    (r"/test\/:uid(u\d+)?:cid(c\d+)?", "/test/c123", {"cid": "c123"}),
    (r"/{apple-}?icon-:res(\d+).png", "/icon-240.png", {"res": "240"}),
    (r"/{apple-}?icon-:res(\d+).png", "/apple-icon-240.png", {"res": "240"}),
    ("/:foo/:bar", "/match/route", {"foo": "match", "bar": "route"}),
    (r"/:remote([\w-.]+)/:user([\w-]+)", "/endpoint/user", {"remote": "endpoint", "user": "user"}),
    (
        r"/:remote([\w-.]+)/:user([\w-]+)",
        "/foo.bar/user-name",
        {"remote": "foo.bar", "user": "user-name"},
    ),
    (r"/:foo\?", "/route?", {"foo": "route"}),
    ("/:foo+baz", "/foobaz", {"foo": ["foo"]}),
    ("/:foo+baz", "/foo/barbaz", {"foo": ["foo", "bar"]}),
    ("/:foo+baz", "/baz", None),
    (r"/x\/:pre?baz", "/x/foobaz", {"pre": "foo"}),
    (r"/x\/:pre?baz", "/x/baz", {}),
    (r"/:foo\(:bar?\)", "/hello(world)", {"foo": "hello", "bar": "world"}),
    (r"/:foo\(:bar?\)", "/hello()", {"foo": "hello"}),
    (r"/:postType(video|audio|text)(\+.+)?", "/video", {"postType": "video"}),
    (r"/:postType(video|audio|text)(\+.+)?", "/video+test", {"postType": "video", "0": "+test"}),
    (r"/:postType(video|audio|text)(\+.+)?", "/video+", None),
    ("/:foo?/:bar?-ext", "/-ext", None),
    ("/:foo?/:bar?-ext", "/foo-ext", {"foo": "foo"}),
    ("/:foo?/:bar?-ext", "/foo/bar-ext", {"foo": "foo", "bar": "bar"}),
    ("/:foo?/:bar?-ext", "/foo/-ext", None),
    ("/:required/:optional?-ext", "/foo-ext", {"required": "foo"}),
    ("/:required/:optional?-ext", "/foo/bar-ext", {"required": "foo", "optional": "bar"}),
    ("/:required/:optional?-ext", "/foo/-ext", None),
    ("/:foo", "/café", {"foo": "café"}),
    ("/café", "/café", {}),
    ("/{$:foo}{$:bar}?", "/$x", {"foo": "x"}),
    ("/{$:foo}{$:bar}?", "/$x$y", {"foo": "x", "bar": "y"}),
    ("/name/:attr1?{-:attr2}?{-:attr3}?", "/name/test", {"attr1": "test"}),
    ("/name/:attr1?{-:attr2}?{-:attr3}?", "/name/1-2", {"attr1": "1", "attr2": "2"}),
    (
        "/name/:attr1?{-:attr2}?{-:attr3}?",
        "/name/1-2-3",
        {"attr1": "1", "attr2": "2", "attr3": "3"},
    ),
    ("/name/:attr1?{-:attr2}?{-:attr3}?", "/name/foo-bar/route", None),
    ("/name/:attr1?{-:attr2}?{-:attr3}?", "/name/test/route", None),
    ("/:test(abc)", "/abc", {"test": "abc"}),
    ("/:test(abc)", "/ABC", None),
    (r"/:test(\d+(?:\.\d+)?)", "/123", {"test": "123"}),
    (r"/:test(\d+(?:\.\d+)?)", "/abc", None),
    (r"/:test(\d+(?:\.\d+)?)", "/123/abc", None),
    (r"/:test(\d+(?:\.\d+)?)", "/123.123", {"test": "123.123"}),
    (r"/:test(\d+(?:\.\d+)?)", "/123.abc", None),
    ("/:test((?!login)[^/]+)", "/route", {"test": "route"}),
    ("/:test((?!login)[^/]+)", "/login", None),
    ("/user(s)?/:user", "/user/123", {"user": "123"}),
    ("/user(s)?/:user", "/users/123", {"0": "s", "user": "123"}),
    (r"/whatever/:foo\?query=str", "/whatever/123?query=str", {"foo": "123"}),
]


@pytest.mark.parametrize(("pattern", "path", "params"), V6_TABLE)
def test_path_to_regexp_v6_table(pattern: str, path: str, params: dict[str, Any] | None) -> None:
    assert match(pattern, path) == params
