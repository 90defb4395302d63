"""The functions package (SPEC 5.1): how functions are declared, named, referenced, found,
validated and run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from convexhttp import (
    ArgumentValidationError,
    ConvexError,
    Deployment,
    FunctionNotFound,
    RegisteredFunction,
    ReturnsValidationError,
    api,
    http_router,
    internal,
    internal_query,
    mutation,
    query,
    v,
)
from convexhttp.functions import Functions, function_name
from tests.apps.funcs import messages, user_profiles

PACKAGE = "tests.apps.funcs"


@pytest.fixture(scope="module")
def functions() -> Functions:
    return Functions.load(PACKAGE)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(http_router(), functions=PACKAGE, database=tmp_path / "f.sqlite3")
    messages.CALLS.clear()
    yield deployment
    deployment.close()


# --- naming ------------------------------------------------------------------------------


def test_every_function_is_named_module_path_colon_attribute(functions: Functions) -> None:
    described = {(f.name, f.kind, f.visibility) for f in functions.describe()}
    assert described == {
        ("billing/stripe:handle", "action", "internal"),
        ("messages:clear", "mutation", "public"),
        ("messages:count", "query", "public"),
        ("messages:greet", "query", "public"),
        ("messages:latest", "query", "public"),
        ("messages:legacy", "query", "public"),
        ("messages:refuse", "mutation", "public"),
        ("messages:send_one", "mutation", "internal"),
        ("messages:wrong_return", "query", "public"),
        ("user_profiles:get_http_status", "query", "public"),
    }


def test_an_imported_function_keeps_the_name_of_its_own_module(functions: Functions) -> None:
    assert "messages:handle" not in functions
    assert messages.handle.name == "billing/stripe:handle"


def test_private_modules_are_not_scanned(functions: Functions) -> None:
    assert not [name for name in functions if name.startswith("_helpers")]


def test_a_single_module_can_be_the_package() -> None:
    loaded = Functions.load("tests.apps.funcs.billing.stripe")
    assert list(loaded) == ["stripe:handle"]


# --- declaring -----------------------------------------------------------------------------


def handler(ctx: Any, args: dict[str, Any]) -> int:
    return 1


def test_the_four_declaration_forms_make_the_same_kind_of_function() -> None:
    made = [
        query(handler),
        query(args={"a": v.string()})(handler),
        query(args={"a": v.string()}, handler=handler),
        query({"args": {"a": v.string()}, "handler": handler}),
    ]
    for fn in made:
        assert isinstance(fn, RegisteredFunction)
        assert (fn.kind, fn.visibility, fn.handler) == ("query", "public", handler)
    assert made[0].args is None
    assert all(fn.args is not None and set(fn.args.fields) == {"a"} for fn in made[1:])
    assert internal_query(handler).visibility == "internal"


def test_args_may_be_v_object_and_returns_a_validator() -> None:
    fn = mutation(args=v.object({"n": v.int64()}), returns=v.null())(handler)
    assert fn.args is not None and fn.returns is not None
    assert fn.kind == "mutation"


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda: query("not a function"), "expects a function"),
        (lambda: query(handler, handler=handler), "not both"),
        (lambda: query({"args": {}, "handlr": handler}), r"unknown keys \['handlr'\]"),
        (lambda: query(args=[v.string()])(handler), "args= must be a dict of validators"),
        (lambda: query(returns="string")(handler), "returns= must be a validator"),
        (lambda: query(query(handler)), "is already a function"),
    ],
)
def test_declaration_mistakes_are_type_errors(declare: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        declare()


def test_calling_a_function_directly_runs_it_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="convexhttp"):
        assert messages.legacy(None, {"n": 2.0}) == 4.0
    assert "messages:legacy called directly" in caplog.text
    assert "ctx.run_query" in caplog.text


# --- references ----------------------------------------------------------------------------


def test_api_and_internal_references_name_functions() -> None:
    assert function_name(api.messages.send_one) == "messages:send_one"
    assert function_name(internal.billing.stripe.handle) == "billing/stripe:handle"
    assert function_name("billing/stripe:handle") == "billing/stripe:handle"
    assert function_name("messages.py:latest") == "messages:latest"
    assert function_name("messages") == "messages:default"
    assert function_name(messages.latest) == "messages:latest"
    assert api.messages.latest == internal.messages.latest


def test_a_reference_to_a_module_is_not_a_function() -> None:
    with pytest.raises(ValueError, match="names a module, not a function"):
        function_name(api.messages)


def test_anything_else_is_not_a_reference() -> None:
    with pytest.raises(TypeError, match="expected a function reference"):
        function_name(42)


def test_references_resolve_to_the_registered_function(functions: Functions) -> None:
    for ref in (api.messages.latest, "messages:latest", messages.latest):
        assert functions.resolve(ref) is messages.latest


def test_camel_case_names_from_ported_code_find_snake_case_functions(functions: Functions) -> None:
    assert functions.resolve("messages:sendOne") is messages.send_one
    assert functions.resolve(internal.messages.sendOne) is messages.send_one
    assert functions.resolve(api.messages.wrongReturn) is messages.wrong_return
    assert functions.resolve("userProfiles:getHTTPStatus") is user_profiles.get_http_status
    assert functions.resolve(api.userProfiles.getHttpStatus) is user_profiles.get_http_status


def test_an_unknown_name_is_named_with_the_closest_registered_names(
    functions: Functions,
) -> None:
    with pytest.raises(FunctionNotFound, match="'messages:send_on'") as caught:
        functions.resolve("messages:send_on")
    assert "Did you mean 'messages:send_one'" in str(caught.value)
    with pytest.raises(FunctionNotFound, match=r"^Could not find function for 'nothing:here'\.$"):
        functions.resolve("nothing:here")


def test_internal_functions_are_not_found_where_only_public_ones_may_be(
    functions: Functions,
) -> None:
    assert functions.resolve("messages:send_one").visibility == "internal"
    for ref in ("messages:send_one", internal.messages.send_one, messages.send_one):
        with pytest.raises(FunctionNotFound, match="Could not find public function"):
            functions.resolve(ref, public_only=True)


# --- running -------------------------------------------------------------------------------


def test_functions_run_through_the_deployment(app: Deployment) -> None:
    app.run_mutation(internal.messages.send_one, {"body": "hi", "author": "ann"})
    assert [m["body"] for m in app.run_query(api.messages.latest)] == ["hi"]
    assert app.run_query("messages:count") == 1
    assert app.run_mutation(api.messages.clear, {"anything": [1, 2]}) == 1
    assert messages.CALLS == ["send_one", "clear ['anything']"]
    assert app.run_action(internal.billing.stripe.handle, {"event": "paid"}) == "handled paid"
    assert app.run_query(api.messages.greet, {"name": "ann"}) == "hello ann"  # async def


def test_bad_arguments_are_refused_before_the_function_runs(app: Deployment) -> None:
    with pytest.raises(ArgumentValidationError) as caught:
        app.run_mutation(internal.messages.send_one, {"body": 1, "author": "ann"})
    assert caught.value.where == ".body"
    assert str(caught.value).startswith("ArgumentValidationError for messages:send_one: ")
    with pytest.raises(ArgumentValidationError, match="missing the required field `author`"):
        app.run_mutation(internal.messages.send_one, {"body": "x"})
    assert messages.CALLS == []
    assert app.run_query("messages:count") == 0


def test_arguments_that_are_not_values_are_a_type_error_naming_the_path(app: Deployment) -> None:
    with pytest.raises(TypeError, match=r"messages:clear: argument value at \.ids is a set"):
        app.run_mutation(api.messages.clear, {"ids": {1}})
    with pytest.raises(TypeError, match="args must be a dict, got a list"):
        app.run_mutation(api.messages.clear, [1])
    assert messages.CALLS == []


def test_number_arguments_reach_the_function_as_floats(app: Deployment) -> None:
    result = app.run_query(api.messages.legacy, {"n": 21})
    assert type(result) is float and result == 42.0


def test_a_wrong_return_value_is_a_returns_validation_error(app: Deployment) -> None:
    with pytest.raises(ReturnsValidationError, match="ReturnsValidationError for messages:"):
        app.run_query(api.messages.wrong_return, {"n": 1})


def test_convex_error_data_reaches_the_caller(app: Deployment) -> None:
    with pytest.raises(ConvexError) as caught:
        app.run_mutation(api.messages.refuse, {"code": "NOPE"})
    assert caught.value.data == {"code": "NOPE", "retry": False}


def test_a_function_runs_only_as_its_own_kind(app: Deployment) -> None:
    with pytest.raises(TypeError, match="messages:clear is a mutation, not a query"):
        app.run_query(api.messages.clear)
    with pytest.raises(FunctionNotFound, match="Did you mean 'messages:latest'"):
        app.run_query("messages:lates")
