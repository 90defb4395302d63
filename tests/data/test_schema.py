"""``schema.py`` (SPEC 5.4): definition errors naming the culprit, validation of every
write, and a live database following its schema (indexes added and backfilled, dropped,
documents kept, a schema the documents violate refused naming the document)."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from convexhttp import (
    Deployment,
    SchemaValidationError,
    define_schema,
    define_table,
    http_router,
    v,
)
from tests.data.conftest import App

FUNCTIONS = """
from convexhttp import action, mutation, query, v
from tests.apps.data.inline import BODIES

ARGS = {"body": v.string()}
read = query(args=ARGS, handler=lambda ctx, args: BODIES[args["body"]](ctx))
write = mutation(args=ARGS, handler=lambda ctx, args: BODIES[args["body"]](ctx))
act = action(args=ARGS, handler=lambda ctx, args: BODIES[args["body"]](ctx))
"""

_packages = itertools.count()


@pytest.fixture
def start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], App]]:
    """``start(schema_source)``: a deployment of a package with that ``schema.py``, on this
    test's one database file; each call is the app after a new deploy."""
    monkeypatch.syspath_prepend(str(tmp_path))
    opened: list[Deployment] = []

    def deploy(schema: str) -> App:
        name = f"schema_app_{next(_packages)}"
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "fns.py").write_text(FUNCTIONS)
        source = "from convexhttp import define_schema, define_table, v\n\n"
        (package / "schema.py").write_text(source + textwrap.dedent(schema))
        deployment = Deployment(http_router(), functions=name, database=tmp_path / "db.sqlite3")
        opened.append(deployment)
        return App(deployment, module="fns")

    yield deploy
    for deployment in opened:
        deployment.close()


ITEMS = """
schema = define_schema({
    "items": define_table({"name": v.string(), "n": v.number()}),
})
"""
ITEMS_BY_N = """
schema = define_schema({
    "items": define_table({"name": v.string(), "n": v.number()}).index("by_n", ["n"]),
})
"""


def names(docs: list[dict[str, Any]]) -> list[str]:
    return [doc["name"] for doc in docs]


# --- definitions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("define", "error", "message"),
    [
        (
            lambda: define_table({"_owner": v.string()}),
            ValueError,
            "field '_owner' starts with '_'",
        ),
        (
            lambda: define_table(v.string()),
            TypeError,
            "define_table\\(\\) takes a dict of validators",
        ),
        (lambda: define_table({}).index("by-x", ["x"]), ValueError, "invalid index name 'by-x'"),
        (lambda: define_table({}).index("by_id", ["x"]), ValueError, "'by_id' is reserved"),
        (
            lambda: define_table({}).index("by_x", ["x"]).index("by_x", ["y"]),
            ValueError,
            "index 'by_x' is declared twice",
        ),
        (
            lambda: define_table({}).index("by_x", []),
            ValueError,
            "index 'by_x' needs at least one field",
        ),
        (
            lambda: define_table({}).index("by_x", "x"),
            TypeError,
            "index 'by_x': fields must be a list",
        ),
        (lambda: define_table({}).index("by_x", ["a..b"]), ValueError, "invalid field path 'a..b'"),
        (
            lambda: define_table({}).index("by_x", ["x", "_creationTime"]),
            ValueError,
            "_creationTime is added to every index",
        ),
        (lambda: define_table({}).index("by_x", ["x", "x"]), ValueError, "lists field 'x' twice"),
        (
            lambda: define_table({}).index("by_x", [f"f{i}" for i in range(17)]),
            ValueError,
            "more than 16 fields",
        ),
        (
            lambda: define_table({}).search_index("s", {}),
            NotImplementedError,
            "no full-text search",
        ),
        (
            lambda: define_schema({"bad-name": define_table({})}),
            ValueError,
            "invalid table name 'bad-name'",
        ),
        (
            lambda: define_schema({"items": {"name": v.string()}}),
            TypeError,
            "table 'items': expected define_table",
        ),
    ],
)
def test_definition_mistakes_name_the_culprit(
    define: Callable[[], Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        define()


def test_mistakes_in_schema_py_stop_the_deployment_at_start_up(
    start: Callable[[str], App],
) -> None:
    with pytest.raises((ValueError, ImportError), match="index 'by_n' lists field 'n' twice"):
        start('schema = define_schema({"t": define_table({}).index("by_n", ["n", "n"])})')
    with pytest.raises(
        ValueError, match=r"schema_app_\d+\.schema must define schema = define_schema"
    ):
        start("tables = {}")


# --- every write is validated ------------------------------------------------------------------


def test_every_write_must_match_its_table(start: Callable[[str], App]) -> None:
    app = start(ITEMS)
    doc_id = app.mutation(lambda ctx: ctx.db.insert("items", {"name": "a", "n": 1}))
    assert type(app.query(lambda ctx: ctx.db.get(doc_id))["n"]) is float  # v.number()
    writes = [
        lambda db: db.insert("items", {"name": "b", "n": "one"}),
        lambda db: db.insert("items", {"name": "b"}),
        lambda db: db.insert("items", {"name": "b", "n": 1, "extra": True}),
        lambda db: db.patch(doc_id, {"n": None}),
        lambda db: db.patch(doc_id, {"name": Ellipsis}),
        lambda db: db.replace(doc_id, {"name": "only"}),
    ]
    for write in writes:
        with pytest.raises((SchemaValidationError, TypeError)):
            app.mutation(lambda ctx, write=write: write(ctx.db))
    assert app.query(lambda ctx: ctx.db.query("items").collect()) == [
        app.query(lambda ctx: ctx.db.get(doc_id))
    ]


def test_a_schema_error_says_the_table_the_path_and_what_was_expected(
    start: Callable[[str], App],
) -> None:
    app = start(ITEMS)
    with pytest.raises(SchemaValidationError) as caught:
        app.mutation(lambda ctx: ctx.db.insert("items", {"name": "b", "n": "one"}))
    message = str(caught.value)
    assert "Failed to insert a document of table 'items'" in message
    assert caught.value.where == ".n"
    assert "Validator: v.number()" in message


def test_ids_in_documents_must_name_a_document_of_their_table(start: Callable[[str], App]) -> None:
    app = start(
        """
        schema = define_schema({
            "users": define_table({"name": v.string()}),
            "posts": define_table({"author": v.id("users")}),
        })
        """
    )
    user = app.mutation(lambda ctx: ctx.db.insert("users", {"name": "ann"}))
    post = app.mutation(lambda ctx: ctx.db.insert("posts", {"author": user}))
    with pytest.raises(SchemaValidationError, match="an id of table 'posts', not of table 'users'"):
        app.mutation(lambda ctx: ctx.db.insert("posts", {"author": post}))


def test_tables_outside_the_schema_are_refused_unless_allowed(start: Callable[[str], App]) -> None:
    app = start(ITEMS)
    with pytest.raises(ValueError, match="table 'notes' is not in the schema \\(tables: items\\)"):
        app.mutation(lambda ctx: ctx.db.insert("notes", {}))
    relaxed = start(
        'schema = define_schema({"items": define_table({})}, strict_table_name_types=False)'
    )
    relaxed.mutation(lambda ctx: ctx.db.insert("notes", {"anything": [1]}))


def test_schema_validation_off_keeps_the_indexes_but_not_the_checks(
    start: Callable[[str], App],
) -> None:
    app = start(
        """
        schema = define_schema(
            {"items": define_table({"n": v.number()}).index("by_n", ["n"])},
            schema_validation=False,
        )
        """
    )
    app.mutation(lambda ctx: [ctx.db.insert("items", {"n": n}) for n in ("x", 2.0, 1.0)])
    docs = app.query(lambda ctx: ctx.db.query("items").with_index("by_n").collect())
    assert [doc["n"] for doc in docs] == [1.0, 2.0, "x"]


# --- a live database follows its schema ---------------------------------------------------------


def test_an_added_index_is_backfilled_and_a_dropped_one_is_gone(
    start: Callable[[str], App],
) -> None:
    first = start(ITEMS)
    first.mutation(
        lambda ctx: [
            ctx.db.insert("items", {"name": s, "n": n}) for s, n in [("c", 3), ("a", 1), ("b", 2)]
        ]
    )
    second = start(ITEMS_BY_N)
    by_n = lambda ctx: ctx.db.query("items").with_index("by_n", lambda q: q.gte("n", 2)).collect()  # noqa: E731
    assert names(second.query(by_n)) == ["b", "c"]

    third = start(ITEMS)
    with pytest.raises(ValueError, match=r"Index items\.by_n not found"):
        third.query(by_n)
    assert names(third.query(lambda ctx: ctx.db.query("items").collect())) == ["c", "a", "b"]


def test_an_index_whose_fields_change_is_rebuilt(start: Callable[[str], App]) -> None:
    start(ITEMS_BY_N).mutation(
        lambda ctx: [ctx.db.insert("items", {"name": s, "n": n}) for s, n in [("y", 1), ("x", 2)]]
    )
    renamed = start(ITEMS_BY_N.replace('["n"]', '["name"]'))
    docs = renamed.query(lambda ctx: ctx.db.query("items").with_index("by_n").collect())
    assert names(docs) == ["x", "y"]


def test_workers_still_on_the_old_schema_keep_a_new_index_up_to_date(
    start: Callable[[str], App],
) -> None:
    old = start(ITEMS)
    old.mutation(lambda ctx: ctx.db.insert("items", {"name": "before", "n": 2}))
    new = start(ITEMS_BY_N)
    old.mutation(lambda ctx: ctx.db.insert("items", {"name": "after", "n": 1}))
    docs = new.query(lambda ctx: ctx.db.query("items").with_index("by_n").collect())
    assert names(docs) == ["after", "before"]


def test_a_schema_the_documents_violate_refuses_to_start_naming_the_document(
    start: Callable[[str], App],
) -> None:
    app = start(ITEMS_BY_N)
    ids = app.mutation(
        lambda ctx: [ctx.db.insert("items", {"name": s, "n": 1}) for s in ("ok", "fine")]
    )
    only_ok = ITEMS_BY_N.replace('"name": v.string()', '"name": v.literal("ok")')
    with pytest.raises(SchemaValidationError, match=f"document {ids[1]} already in table 'items'"):
        start(only_ok)  # "fine" is the one document that does not match
    with pytest.raises(SchemaValidationError, match="missing the required field `extra`"):
        start(ITEMS.replace('"n": v.number()', '"n": v.number(), "extra": v.string()'))
    again = start(ITEMS_BY_N)  # nothing changed: the index and the documents are as they were
    assert names(again.query(lambda ctx: ctx.db.query("items").with_index("by_n").collect())) == [
        "ok",
        "fine",
    ]
