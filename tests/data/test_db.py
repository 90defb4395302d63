"""``ctx.db`` (SPEC 5.3, 5.4): documents, ids, queries, filters, reads, and what a function
of each kind may do, run through real functions on a real database file."""

from __future__ import annotations

import math
import struct
import time
from typing import Any

import pytest

from convexhttp import UNSET, ReadOnlyError, internal
from convexhttp.ids import table_number_of
from tests.data.conftest import App, open_app


def insert_all(app: App, table: str, docs: list[dict[str, Any]]) -> list[str]:
    return app.mutation(lambda ctx: [ctx.db.insert(table, doc) for doc in docs])  # type: ignore[no-any-return]


def fields(docs: list[dict[str, Any]], name: str) -> list[Any]:
    return [doc.get(name, "<missing>") for doc in docs]


# --- documents ---------------------------------------------------------------------------


def test_insert_returns_an_id_that_gets_the_document_back(app: App) -> None:
    before = time.time() * 1000
    doc_id = app.mutation(lambda ctx: ctx.db.insert("notes", {"text": "hi", "n": 1}))
    doc = app.query(lambda ctx: ctx.db.get(doc_id))
    assert doc["_id"] == doc_id
    assert type(doc["_creationTime"]) is float
    assert before <= doc["_creationTime"] <= time.time() * 1000
    assert {k: doc[k] for k in ("text", "n")} == {"text": "hi", "n": 1}


def test_stored_values_come_back_exactly(app: App) -> None:
    negative_nan = struct.unpack(">d", bytes.fromhex("fff8000000000000"))[0]
    stored = {
        "int": 1,
        "float": 1.0,
        "neg_zero": -0.0,
        "nan": negative_nan,
        "inf": -math.inf,
        "big": 2**63 - 1,
        "bytes": b"\x00\xff",
        "null": None,
        "nested": {"list": [1, 1.0, "x", {"": b""}]},
    }
    doc_id = app.mutation(lambda ctx: ctx.db.insert("notes", stored))
    doc = app.query(lambda ctx: ctx.db.get(doc_id))
    assert type(doc["int"]) is int and type(doc["float"]) is float
    assert math.copysign(1.0, doc["neg_zero"]) == -1.0
    assert struct.pack(">d", doc["nan"]) == struct.pack(">d", negative_nan)
    assert doc["big"] == 2**63 - 1 and doc["bytes"] == b"\x00\xff"
    assert doc["nested"] == {"list": [1, 1.0, "x", {"": b""}]}
    assert [type(x) for x in doc["nested"]["list"][:2]] == [int, float]


def test_ids_are_per_table_and_creation_times_increase(app: App) -> None:
    ids = insert_all(app, "notes", [{"i": i} for i in range(5)])
    other = app.mutation(lambda ctx: ctx.db.insert("others", {}))
    assert len({table_number_of(i) for i in ids}) == 1
    assert table_number_of(other) != table_number_of(ids[0])
    times = fields(app.all("notes"), "_creationTime")
    assert times == sorted(times) and len(set(times)) == 5


def test_a_document_that_is_not_a_value_is_refused_before_anything_is_written(app: App) -> None:
    with pytest.raises(TypeError, match=r"value at \.tags\[1\] is a set"):
        app.mutation(lambda ctx: ctx.db.insert("notes", {"tags": ["a", {"b"}]}))
    with pytest.raises(TypeError, match="a document is a dict, got a list"):
        app.mutation(lambda ctx: ctx.db.insert("notes", [1]))
    assert app.all("notes") == []


def test_fields_starting_with_underscore_are_the_systems(app: App) -> None:
    with pytest.raises(ValueError, match="field '_owner' starts with '_'"):
        app.mutation(lambda ctx: ctx.db.insert("notes", {"_owner": 1}))


@pytest.mark.parametrize("table", ["bad-name", "9lives", "_storage", ""])
def test_invalid_table_names_are_refused(app: App, table: str) -> None:
    with pytest.raises(ValueError, match="invalid table name"):
        app.mutation(lambda ctx: ctx.db.insert(table, {}))


# --- patch, replace, delete --------------------------------------------------------------


def test_patch_merges_shallowly_unset_removes_and_none_is_null(app: App) -> None:
    doc_id = app.mutation(
        lambda ctx: ctx.db.insert("notes", {"a": 1, "b": 2, "nested": {"x": 1, "y": 2}})
    )
    app.mutation(lambda ctx: ctx.db.patch(doc_id, {"a": UNSET, "b": None, "nested": {"x": 9}}))
    doc = app.query(lambda ctx: ctx.db.get(doc_id))
    assert {k: v for k, v in doc.items() if not k.startswith("_")} == {
        "b": None,
        "nested": {"x": 9},
    }
    app.mutation(lambda ctx: ctx.db.patch(doc_id, {"missing": UNSET}))  # removing nothing is fine


def test_replace_makes_the_fields_exactly_the_new_ones(app: App) -> None:
    doc_id = app.mutation(lambda ctx: ctx.db.insert("notes", {"a": 1, "b": 2}))
    before = app.query(lambda ctx: ctx.db.get(doc_id))
    app.mutation(lambda ctx: ctx.db.replace(doc_id, {"c": 3}))
    after = app.query(lambda ctx: ctx.db.get(doc_id))
    assert after == {"_id": doc_id, "_creationTime": before["_creationTime"], "c": 3}


def test_system_fields_may_be_passed_back_unchanged_but_not_changed(app: App) -> None:
    doc_id = app.mutation(lambda ctx: ctx.db.insert("notes", {"a": 1}))
    doc = app.query(lambda ctx: ctx.db.get(doc_id))
    app.mutation(lambda ctx: ctx.db.replace(doc_id, {**doc, "a": 2}))
    assert app.query(lambda ctx: ctx.db.get(doc_id))["a"] == 2
    with pytest.raises(ValueError, match="field '_creationTime' cannot be set"):
        app.mutation(lambda ctx: ctx.db.patch(doc_id, {"_creationTime": 1.0}))
    with pytest.raises(ValueError, match="field '_id' cannot be set"):
        app.mutation(lambda ctx: ctx.db.replace(doc_id, {"_id": "other"}))


def test_delete_removes_the_document_from_gets_and_queries(app: App) -> None:
    keep, gone = insert_all(app, "notes", [{"k": 1}, {"k": 2}])
    app.mutation(lambda ctx: ctx.db.delete(gone))
    assert app.query(lambda ctx: ctx.db.get(gone)) is None
    assert [doc["_id"] for doc in app.all("notes")] == [keep]


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda db, i: db.patch(i, {"a": 1}), "Update on nonexistent document ID"),
        (lambda db, i: db.replace(i, {"a": 1}), "Replace on nonexistent document ID"),
        (lambda db, i: db.delete(i), "Delete on nonexistent document ID"),
    ],
)
def test_writes_to_a_missing_document_are_an_error(app: App, write: Any, message: str) -> None:
    doc_id = app.mutation(lambda ctx: ctx.db.insert("notes", {"a": 0}))
    app.mutation(lambda ctx: ctx.db.delete(doc_id))
    with pytest.raises(ValueError, match=f"{message} {doc_id}"):
        app.mutation(lambda ctx: write(ctx.db, doc_id))


def test_writes_name_their_table_when_given_one(app: App) -> None:
    doc_id = app.mutation(lambda ctx: ctx.db.insert("notes", {"a": 0}))
    app.mutation(lambda ctx: ctx.db.patch("notes", doc_id, {"a": 1}))
    with pytest.raises(ValueError, match="is an id of table 'notes', not 'others'"):
        app.mutation(lambda ctx: ctx.db.delete("others", doc_id))
    assert app.query(lambda ctx: ctx.db.get(doc_id))["a"] == 1


# --- ids: get(table, id), normalize_id, system tables --------------------------------------


def test_get_with_a_table_checks_the_id_is_of_that_table(app: App) -> None:
    note = app.mutation(lambda ctx: ctx.db.insert("notes", {}))
    assert app.query(lambda ctx: ctx.db.get("notes", note))["_id"] == note
    with pytest.raises(ValueError, match=f"{note} is an id of table 'notes', not 'others'"):
        app.query(lambda ctx: ctx.db.get("others", note))


@pytest.mark.parametrize(
    ("doc_id", "message"),
    [
        ("garbage", "invalid id length 7"),
        ("z43zp6c3e75gkmz1kfwj6mbbx5sw281h", "no table has the id"),  # a valid id, table 1017
        (17, "expected an id string"),
    ],
)
def test_get_of_something_that_is_no_id_of_this_app_is_an_error(
    app: App, doc_id: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        app.query(lambda ctx: ctx.db.get(doc_id))


def test_normalize_id_gives_the_id_only_for_its_own_table(app: App) -> None:
    note = app.mutation(lambda ctx: ctx.db.insert("notes", {}))
    app.mutation(lambda ctx: ctx.db.insert("others", {}))
    assert app.query(
        lambda ctx: [
            ctx.db.normalize_id("notes", note),
            ctx.db.normalize_id("others", note),
            ctx.db.normalize_id("notes", "junk"),
            ctx.db.normalize_id("notes", note + "0"),
            ctx.db.normalize_id("notes", None),
        ]
    ) == [note, None, None, None, None]
    assert app.query(lambda ctx: ctx.db.normalizeId("notes", note)) == note


def test_system_tables_are_read_through_db_system(app: App) -> None:
    assert app.query(lambda ctx: ctx.db.system.query("_storage").collect()) == []
    assert app.query(lambda ctx: ctx.db.system.query("_scheduled_functions").take(1)) == []
    with pytest.raises(ValueError, match=r"_storage is a system table: read it with ctx.db.system"):
        app.query(lambda ctx: ctx.db.query("_storage"))
    with pytest.raises(ValueError, match="'notes' is not a system table"):
        app.query(lambda ctx: ctx.db.system.query("notes"))
    note = app.mutation(lambda ctx: ctx.db.insert("notes", {}))
    with pytest.raises(ValueError, match=r"is a document of 'notes': use db.get"):
        app.query(lambda ctx: ctx.db.system.get(note))


# --- what each kind of function may do ------------------------------------------------------


@pytest.mark.parametrize(
    "write",
    [
        lambda db: db.insert("notes", {}),
        lambda db: db.patch("x", {}),
        lambda db: db.replace("x", {}),
        lambda db: db.delete("x"),
    ],
)
def test_a_query_cannot_write(app: App, write: Any) -> None:
    with pytest.raises(ReadOnlyError, match=r"not available in a query.*cannot write"):
        app.query(lambda ctx: write(ctx.db))
    assert app.all("notes") == []


def test_a_query_run_by_a_mutation_cannot_write_either(app: App) -> None:
    writes = app.ref(lambda ctx: ctx.db.insert("notes", {}))
    with pytest.raises(ReadOnlyError):
        app.mutation(lambda ctx: ctx.run_query(internal.inline.read, writes))


def test_queries_and_actions_lack_what_their_kind_lacks(app: App) -> None:
    with pytest.raises(AttributeError, match=r"ctx.run_mutation is not available in a query"):
        app.query(lambda ctx: ctx.run_mutation)
    with pytest.raises(AttributeError, match=r"ctx.db is not available in an action.*run_query"):
        app.action(lambda ctx: ctx.db)
    with pytest.raises(AttributeError, match=r"ctx.run_action is not available in a mutation"):
        app.mutation(lambda ctx: ctx.run_action)


def test_an_action_reads_and_writes_through_functions(app: App) -> None:
    insert = app.ref(lambda ctx: ctx.db.insert("notes", {"from": "action"}))
    count = app.ref(lambda ctx: len(ctx.db.query("notes").collect()))
    assert app.action(
        lambda ctx: [
            ctx.run_mutation(internal.inline.write, insert) is not None,
            ctx.run_query(internal.inline.read, count),
        ]
    ) == [True, 1]


# --- queries: index, order, stages ----------------------------------------------------------

MESSAGES = [
    {"author": "bo", "body": "1"},
    {"author": "ann", "body": "2"},
    {"author": "cy", "body": "3"},
    {"author": "ann", "body": "4"},
]


@pytest.fixture
def messages(app: App) -> App:
    insert_all(app, "messages", MESSAGES)
    return app


def test_without_an_index_documents_come_in_creation_order(messages: App) -> None:
    assert fields(messages.all("messages"), "body") == ["1", "2", "3", "4"]
    desc = messages.query(lambda ctx: ctx.db.query("messages").order("desc").collect())
    assert fields(desc, "body") == ["4", "3", "2", "1"]
    scan = messages.query(lambda ctx: ctx.db.query("messages").full_table_scan().collect())
    assert fields(scan, "body") == ["1", "2", "3", "4"]


def test_an_index_orders_by_its_fields_then_creation_time(messages: App) -> None:
    asc = messages.query(lambda ctx: ctx.db.query("messages").with_index("by_author").collect())
    assert fields(asc, "body") == ["2", "4", "1", "3"]
    desc = messages.query(
        lambda ctx: ctx.db.query("messages").with_index("by_author").order("desc").collect()
    )
    assert fields(desc, "body") == ["3", "1", "4", "2"]


def test_an_index_range_selects_equal_then_bounded_values(messages: App) -> None:
    def bodies(rng: Any, order: str = "asc") -> list[Any]:
        docs = messages.query(
            lambda ctx: ctx.db.query("messages").with_index("by_author", rng).order(order).collect()
        )
        return fields(docs, "body")

    assert bodies(lambda q: q.eq("author", "ann")) == ["2", "4"]
    assert bodies(lambda q: q.eq("author", "ann"), "desc") == ["4", "2"]
    assert bodies(lambda q: q.gt("author", "ann")) == ["1", "3"]
    assert bodies(lambda q: q.gte("author", "bo").lt("author", "cy")) == ["1"]
    assert bodies(lambda q: q.lte("author", "bo")) == ["2", "4", "1"]
    assert bodies(lambda q: q.eq("author", "nobody")) == []
    by_id = messages.query(lambda ctx: ctx.db.query("messages").with_index("by_id").first())
    assert (
        messages.query(
            lambda ctx: (
                ctx.db.query("messages")
                .with_index("by_id", lambda q: q.eq("_id", by_id["_id"]))
                .unique()
            )
        )
        == by_id
    )


def test_the_creation_time_index_takes_ranges_too(messages: App) -> None:
    docs = messages.all("messages")
    middle = docs[1]["_creationTime"]
    later = messages.query(
        lambda ctx: (
            ctx.db.query("messages")
            .with_index("by_creation_time", lambda q: q.gt("_creationTime", middle))
            .collect()
        )
    )
    assert fields(later, "body") == ["3", "4"]


def test_a_declared_index_of_a_table_without_documents_is_empty(app: App) -> None:
    assert (
        app.query(lambda ctx: ctx.db.query("counts").with_index("by_creation_time").collect()) == []
    )
    assert app.query(lambda ctx: ctx.db.query("never_written").collect()) == []


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda q: q.with_index("by_nothing"),
            ValueError,
            r"Index messages.by_nothing not found \(indexes: by_author, by_creation_time, by_id\)",
        ),
        (
            lambda q: q.with_index("by_author", lambda r: r.eq("body", "x")),
            ValueError,
            "the index's next field is 'author'",
        ),
        (
            lambda q: q.with_index("by_author", lambda r: r.gt("author", "a").eq("author", "b")),
            ValueError,
            "after a bound",
        ),
        (
            lambda q: q.with_index("by_author", lambda r: r.gt("author", "a").gte("author", "b")),
            ValueError,
            "two lower bounds",
        ),
        (
            lambda q: q.with_index(
                "by_author", lambda r: r.eq("author", "a").eq("_creationTime", 1.0).eq("_id", "x")
            ),
            ValueError,
            "has only the fields",
        ),
        (lambda q: q.with_index("by_author", lambda r: None), TypeError, "must return the builder"),
        (lambda q: q.with_index("by_author", lambda r: r.eq("author", {1})), TypeError, "is a set"),
        (
            lambda q: q.order("asc").with_index("by_author"),
            ValueError,
            "with_index\\(\\) must come first",
        ),
        (lambda q: q.filter(lambda f: f.eq(1, 1)).full_table_scan(), ValueError, "must come first"),
        (lambda q: q.order("asc").order("desc"), ValueError, "order\\(\\) may be given once"),
        (lambda q: q.order("up"), ValueError, "order\\(\\) takes 'asc' or 'desc'"),
        (lambda q: q.filter(lambda f: True), TypeError, "must return an expression built with q"),
        (
            lambda q: q.filter(lambda f: f.eq(f.field("a"), 1) and f.eq(f.field("b"), 2)),
            TypeError,
            "no truth value",
        ),
        (lambda q: q.take(-1), ValueError, "non-negative int"),
        (lambda q: q.paginate({"numItems": -1, "cursor": None}), ValueError, "numItems must be"),
    ],
)
def test_query_mistakes_are_clear_errors(
    messages: App, build: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        messages.query(lambda ctx: build(ctx.db.query("messages")))


def test_filter_may_come_before_order(messages: App) -> None:
    docs = messages.query(
        lambda ctx: (
            ctx.db.query("messages")
            .filter(lambda q: q.eq(q.field("author"), "ann"))
            .order("desc")
            .collect()
        )
    )
    assert fields(docs, "body") == ["4", "2"]


def test_a_query_is_read_once(messages: App) -> None:
    def twice(ctx: Any) -> Any:
        query = ctx.db.query("messages")
        query.collect()
        return query.first()

    with pytest.raises(RuntimeError, match="read already; build a new one"):
        messages.query(twice)


# --- filters ---------------------------------------------------------------------------------

MIXED = [
    {"k": "missing"},
    {"k": "null", "v": None},
    {"k": "int", "v": 2},
    {"k": "float", "v": 2.0},
    {"k": "neg_zero", "v": -0.0},
    {"k": "nan", "v": math.nan},
    {"k": "false", "v": False},
    {"k": "text", "v": "2"},
    {"k": "bytes", "v": b"2"},
    {"k": "list", "v": [2]},
    {"k": "object", "v": {"n": 2}},
]


@pytest.fixture
def mixed(app: App) -> App:
    insert_all(app, "notes", MIXED)
    return app


def keys_where(app: App, predicate: Any) -> list[str]:
    docs = app.query(lambda ctx: ctx.db.query("notes").filter(predicate).collect())
    return fields(docs, "k")


def test_comparisons_use_convex_order_across_types(mixed: App) -> None:
    assert keys_where(mixed, lambda q: q.eq(q.field("v"), 2)) == ["int"]
    assert keys_where(mixed, lambda q: q.eq(q.field("v"), 2.0)) == ["float"]
    assert keys_where(mixed, lambda q: q.eq(q.field("v"), None)) == ["null"]
    assert keys_where(mixed, lambda q: q.eq(q.field("v"), UNSET)) == ["missing"]
    assert keys_where(mixed, lambda q: q.eq(q.field("v"), math.nan)) == ["nan"]
    assert keys_where(mixed, lambda q: q.eq(q.field("v"), 0.0)) == []  # -0.0 is not 0.0
    assert keys_where(mixed, lambda q: q.lt(q.field("v"), 0)) == ["missing", "null"]
    assert keys_where(mixed, lambda q: q.gt(q.field("v"), "2")) == ["bytes", "list", "object"]
    assert keys_where(mixed, lambda q: q.gte(q.field("v"), [2])) == ["list", "object"]
    assert keys_where(mixed, lambda q: q.lte(q.field("v"), False)) == [
        "missing",
        "null",
        "int",
        "float",
        "neg_zero",
        "nan",
        "false",
    ]
    assert len(keys_where(mixed, lambda q: q.neq(q.field("v"), 2))) == len(MIXED) - 1
    assert keys_where(mixed, lambda q: q.eq(q.field("v.n"), 2)) == ["object"]


def test_and_or_not_combine_expressions(mixed: App) -> None:
    kinds = lambda q: q.field("k")  # noqa: E731
    assert keys_where(mixed, lambda q: q.or_(q.eq(kinds(q), "int"), q.eq(kinds(q), "text"))) == [
        "int",
        "text",
    ]
    assert keys_where(mixed, lambda q: q.and_(q.gte(q.field("v"), 2), q.lt(q.field("v"), 3))) == [
        "int"
    ]
    assert keys_where(mixed, lambda q: q.not_(q.neq(kinds(q), "nan"))) == ["nan"]
    assert keys_where(mixed, lambda q: getattr(q, "and")(q.eq(kinds(q), "int"))) == ["int"]
    assert keys_where(mixed, lambda q: q.field("v")) == []  # true is the only match


def test_and_refuses_what_is_not_a_boolean(mixed: App) -> None:
    with pytest.raises(TypeError, match=r"q.and_\(\): expected a boolean, got UNSET"):
        keys_where(mixed, lambda q: q.and_(q.field("v"), True))


@pytest.mark.parametrize(
    ("doc", "field", "index"),
    [
        ({"x": 3}, "x", "by_x"),  # v.number()
        ({"y": 3}, "y", "by_y"),  # v.optional(v.nullable(v.number()))
        ({"o": {"z": 3}}, "o.z", "by_z"),  # inside v.optional(v.object(...))
    ],
)
def test_an_int_compared_with_a_v_number_field_means_the_float(
    app: App, doc: dict[str, Any], field: str, index: str
) -> None:
    app.mutation(lambda ctx: ctx.db.insert("counts", {"n": 1, "x": 0, **doc}))
    filtered = app.query(
        lambda ctx: ctx.db.query("counts").filter(lambda q: q.eq(q.field(field), 3)).collect()
    )
    ranged = app.query(
        lambda ctx: ctx.db.query("counts").with_index(index, lambda q: q.eq(field, 3)).collect()
    )
    assert len(filtered) == 1 and filtered == ranged
    assert (
        app.query(
            lambda ctx: ctx.db.query("counts").filter(lambda q: q.eq(q.field("n"), 1)).collect()
        )
        == filtered
    )  # v.int64() keeps the int


def test_an_int_of_milliseconds_compared_with_creation_time_means_the_float(app: App) -> None:
    app.mutation(lambda ctx: ctx.db.insert("notes", {"i": 0}))
    time.sleep(0.005)
    cut = int(time.time() * 1000)  # what Python code computes
    time.sleep(0.005)
    app.mutation(lambda ctx: ctx.db.insert("notes", {"i": 1}))
    ranged = app.query(
        lambda ctx: (
            ctx.db.query("notes")
            .with_index("by_creation_time", lambda q: q.gt("_creationTime", cut))
            .collect()
        )
    )
    filtered = app.query(
        lambda ctx: (
            ctx.db.query("notes").filter(lambda q: q.lte(q.field("_creationTime"), cut)).collect()
        )
    )
    assert fields(ranged, "i") == [1] and fields(filtered, "i") == [0]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (lambda q: q.add(q.field("i"), 3), 10),
        (lambda q: q.sub(q.field("i"), 10), -3),
        (lambda q: q.mul(q.field("i"), -2), -14),
        (lambda q: q.div(q.field("i"), 2), 3),  # int64 division truncates
        (lambda q: q.div(q.neg(q.field("i")), 2), -3),  # toward zero, as BigInt
        (lambda q: q.mod(q.neg(q.field("i")), 3), -1),  # the dividend's sign
        (lambda q: q.add(q.field("f"), 0.5), 3.0),
        (lambda q: q.div(q.field("f"), 2.0), 1.25),
        (lambda q: q.div(q.field("f"), 0.0), math.inf),
        (lambda q: q.div(q.neg(q.field("f")), 0.0), -math.inf),
        (lambda q: q.mod(q.field("f"), 1.0), 0.5),
        (lambda q: q.mod(q.neg(q.field("f")), 1.0), -0.5),
        (lambda q: q.neg(q.field("f")), -2.5),
    ],
)
def test_arithmetic_follows_int64_and_float64_rules(
    app: App, expression: Any, expected: Any
) -> None:
    app.mutation(lambda ctx: ctx.db.insert("notes", {"i": 7, "f": 2.5}))
    found = app.query(
        lambda ctx: ctx.db.query("notes").filter(lambda q: q.eq(expression(q), expected)).collect()
    )
    assert len(found) == 1


@pytest.mark.parametrize(
    ("expression", "error", "message"),
    [
        (lambda q: q.add(q.field("i"), 1.0), TypeError, "cannot combine int64 7 with float64 1.0"),
        (lambda q: q.add(q.field("s"), 1), TypeError, "'x' is not a number"),
        (lambda q: q.add(q.field("b"), 1), TypeError, "True is not a number"),
        (lambda q: q.div(q.field("i"), 0), ZeroDivisionError, "int64 division by zero"),
        (lambda q: q.mul(q.field("big"), 2), OverflowError, "overflows int64"),
        (lambda q: q.neg(q.field("min")), OverflowError, "overflows int64"),
    ],
)
def test_arithmetic_errors(app: App, expression: Any, error: type[Exception], message: str) -> None:
    app.mutation(
        lambda ctx: ctx.db.insert(
            "notes", {"i": 7, "s": "x", "b": True, "big": 2**62, "min": -(2**63)}
        )
    )
    with pytest.raises(error, match=message):
        app.query(
            lambda ctx: ctx.db.query("notes").filter(lambda q: q.eq(expression(q), 0)).collect()
        )


# --- reading results --------------------------------------------------------------------------


def test_take_first_unique_collect_and_iteration(messages: App) -> None:
    def read(build: Any) -> Any:
        return messages.query(lambda ctx: build(ctx.db.query("messages")))

    assert fields(read(lambda q: q.take(2)), "body") == ["1", "2"]
    assert read(lambda q: q.take(0)) == []
    assert len(read(lambda q: q.take(100))) == 4
    assert read(lambda q: q.first())["body"] == "1"
    assert read(lambda q: q.order("desc").first())["body"] == "4"
    assert (
        read(lambda q: q.with_index("by_author", lambda r: r.eq("author", "cy")).unique())["body"]
        == "3"
    )
    assert read(lambda q: q.with_index("by_author", lambda r: r.eq("author", "x")).first()) is None
    assert read(lambda q: q.with_index("by_author", lambda r: r.eq("author", "x")).unique()) is None
    assert fields(read(lambda q: list(q)), "body") == ["1", "2", "3", "4"]
    assert fields(read(lambda q: q.collect()), "body") == ["1", "2", "3", "4"]


def test_unique_with_more_than_one_result_is_an_error(messages: App) -> None:
    with pytest.raises(ValueError, match="unique\\(\\) query returned more than one result"):
        messages.query(
            lambda ctx: (
                ctx.db.query("messages")
                .with_index("by_author", lambda q: q.eq("author", "ann"))
                .unique()
            )
        )


def test_iteration_reads_past_the_first_batches(app: App) -> None:
    insert_all(app, "notes", [{"i": i} for i in range(300)])
    seen = app.query(lambda ctx: [doc["i"] for doc in ctx.db.query("notes")])
    assert seen == list(range(300))
    backwards = app.query(lambda ctx: [d["i"] for d in ctx.db.query("notes").order("desc")])
    assert backwards == list(range(299, -1, -1))


def paginate_all(app: App, build: Any, size: int) -> tuple[list[Any], int]:
    pages, cursor, done = [], None, False
    while not done:
        options = {"numItems": size, "cursor": cursor}
        result = app.query(
            lambda ctx, options=options: build(ctx.db.query("notes")).paginate(options)
        )
        assert set(result) == {"page", "isDone", "continueCursor"}
        assert len(result["page"]) <= size
        pages.append(result["page"])
        cursor, done = result["continueCursor"], result["isDone"]
    return [doc["i"] for page in pages for doc in page], len(pages)


def test_pages_concatenate_to_the_whole_result(app: App) -> None:
    insert_all(app, "notes", [{"i": i, "even": i % 2 == 0} for i in range(23)])
    assert paginate_all(app, lambda q: q, 5) == (list(range(23)), 5)
    evens_desc = lambda q: q.order("desc").filter(lambda f: f.eq(f.field("even"), True))  # noqa: E731
    assert paginate_all(app, evens_desc, 4)[0] == list(range(22, -1, -2))


def test_a_page_sees_documents_written_after_the_cursor_was_made(app: App) -> None:
    insert_all(app, "notes", [{"i": 0}, {"i": 1}])
    first = app.query(lambda ctx: ctx.db.query("notes").paginate({"numItems": 1, "cursor": None}))
    insert_all(app, "notes", [{"i": 2}])
    options = {"numItems": 10, "cursor": first["continueCursor"]}
    rest = app.query(lambda ctx: ctx.db.query("notes").paginate(options))
    assert fields(rest["page"], "i") == [1, 2] and rest["isDone"]


def test_numitems_zero_gives_an_empty_page(app: App) -> None:
    insert_all(app, "notes", [{"i": 0}, {"i": 1}])
    empty = app.query(lambda ctx: ctx.db.query("notes").paginate({"numItems": 0, "cursor": None}))
    assert empty["page"] == [] and not empty["isDone"]
    options = {"numItems": 5, "cursor": empty["continueCursor"]}
    assert fields(app.query(lambda ctx: ctx.db.query("notes").paginate(options))["page"], "i") == [
        0,
        1,
    ]


def test_a_cursor_belongs_to_its_query(app: App) -> None:
    insert_all(app, "notes", [{"i": 0}, {"i": 1}])
    cursor = app.query(lambda ctx: ctx.db.query("notes").paginate({"numItems": 1, "cursor": None}))[
        "continueCursor"
    ]
    with pytest.raises(ValueError, match="InvalidCursor: this cursor belongs to another query"):
        app.query(
            lambda ctx: (
                ctx.db.query("notes").order("desc").paginate({"numItems": 1, "cursor": cursor})
            )
        )
    with pytest.raises(ValueError, match="invalid cursor"):
        app.query(lambda ctx: ctx.db.query("notes").paginate({"numItems": 1, "cursor": "garbage!"}))


# --- transactions -------------------------------------------------------------------------------


def test_a_mutation_that_raises_writes_nothing(app: App) -> None:
    def doomed(ctx: Any) -> None:
        ctx.db.insert("notes", {"i": 1})
        ctx.db.insert("brand_new_table", {"i": 2})
        raise RuntimeError("no")

    with pytest.raises(RuntimeError, match="no"):
        app.mutation(doomed)
    assert app.all("notes") == [] and app.all("brand_new_table") == []


def test_queries_run_by_a_mutation_see_its_writes(app: App) -> None:
    count = app.ref(lambda ctx: len(ctx.db.query("notes").collect()))

    def body(ctx: Any) -> list[Any]:
        ctx.db.insert("notes", {})
        return [
            ctx.run_query(internal.inline.read, count),
            ctx.db.query("notes").first() is not None,
        ]

    assert app.mutation(body) == [1, True]


@pytest.mark.parametrize("table", ["notes", "brand_new_table"])
def test_a_nested_mutation_that_raises_rolls_back_only_its_own_writes(app: App, table: str) -> None:
    app.mutation(lambda ctx: ctx.db.insert("notes", {"from": "before"}))

    def inner(ctx: Any) -> None:
        ctx.db.insert(table, {"from": "inner"})
        raise RuntimeError("inner fails")

    failing = app.ref(inner)

    def outer(ctx: Any) -> str:
        ctx.db.insert("notes", {"from": "outer, first"})
        with pytest.raises(RuntimeError, match="inner fails"):
            ctx.run_mutation(internal.inline.write_internal, failing)
        return str(ctx.db.insert(table, {"from": "outer, after"}))

    after = app.mutation(outer)
    assert app.query(lambda ctx: ctx.db.get(after))["from"] == "outer, after"
    stored = fields(app.all("notes"), "from")
    if table == "notes":
        assert stored == ["before", "outer, first", "outer, after"]
    else:
        assert stored == ["before", "outer, first"]
        assert fields(app.all(table), "from") == ["outer, after"]


def test_a_nested_mutation_that_succeeds_is_part_of_the_callers_transaction(app: App) -> None:
    inner = app.ref(lambda ctx: ctx.db.insert("brand_new_table", {"from": "inner"}))

    def outer(ctx: Any) -> None:
        ctx.run_mutation(internal.inline.write_internal, inner)
        assert ctx.db.query("brand_new_table").first()["from"] == "inner"
        raise RuntimeError("outer fails")

    with pytest.raises(RuntimeError):
        app.mutation(outer)
    assert app.all("brand_new_table") == []


def test_a_table_made_and_rolled_back_in_one_worker_does_not_hide_another_workers(
    database_url: str,
) -> None:
    """Two deployments on one database are two workers, each with its own catalog cache."""
    one, two = open_app(database_url), open_app(database_url)

    def doomed(ctx: Any) -> None:
        ctx.db.insert("first", {})
        ctx.db.system.query("_storage").collect()  # reads the catalog inside the transaction
        ctx.run_query(internal.inline.read, one.ref(lambda ctx: None))
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        one.mutation(doomed)
    made = two.mutation(lambda ctx: ctx.db.insert("second", {"by": "two"}))
    assert fields(one.all("second"), "_id") == [made]
    one.mutation(lambda ctx: ctx.db.insert("second", {"by": "one"}))
    assert fields(two.all("second"), "by") == ["two", "one"]


# --- async functions -----------------------------------------------------------------------------


def test_async_functions_await_ctx(app: App) -> None:
    async def write(ctx: Any) -> Any:
        doc_id = await ctx.db.insert("notes", {"i": 1})
        await ctx.db.patch(doc_id, {"i": 2})
        doc = await ctx.db.get(doc_id)
        count = await ctx.run_query(
            internal.inline.read, app.ref(lambda c: len(c.db.query("notes").collect()))
        )
        return [doc["i"], count, len(await ctx.db.query("notes").collect())]

    assert app.deployment.run_mutation(internal.inline.write_async, app.ref(write)) == [2, 1, 1]

    async def read(ctx: Any) -> Any:
        first = await ctx.db.query("notes").with_index("by_creation_time").first()
        page = await ctx.db.query("notes").paginate({"numItems": 5, "cursor": None})
        seen = [doc["i"] async for doc in ctx.db.query("notes")]
        files = await ctx.db.system.query("_storage").collect()
        unknown = ctx.db.system.normalizeId("_storage", "nope")
        identity = await ctx.auth.get_user_identity()
        return [first["i"], len(page["page"]), seen, identity, files, unknown]

    answer = app.deployment.run_query(internal.inline.read_async, app.ref(read))
    assert answer == [2, 1, [2], None, [], None]

    async def act(ctx: Any) -> Any:
        inserted = await ctx.run_mutation(
            internal.inline.write, app.ref(lambda c: c.db.insert("notes", {"i": 3}))
        )
        return await ctx.run_query(internal.inline.read, app.ref(lambda c: c.db.get(inserted)["i"]))

    assert app.deployment.run_action(internal.inline.act_async, app.ref(act)) == 3


def test_an_async_mutation_catching_a_nested_failure_keeps_its_own_writes(app: App) -> None:
    def inner(ctx: Any) -> None:
        ctx.db.insert("brand_new_table", {"from": "inner"})
        raise RuntimeError("inner fails")

    failing = app.ref(inner)

    async def outer(ctx: Any) -> Any:
        with pytest.raises(RuntimeError, match="inner fails"):
            await ctx.run_mutation(internal.inline.write_internal, failing)
        await ctx.db.insert("brand_new_table", {"from": "outer"})
        return len(await ctx.db.system.query("_storage").collect())

    assert app.deployment.run_mutation(internal.inline.write_async, app.ref(outer)) == 0
    assert fields(app.all("brand_new_table"), "from") == ["outer"]


def test_an_async_mutation_that_raises_writes_nothing(app: App) -> None:
    async def doomed(ctx: Any) -> None:
        await ctx.db.insert("notes", {})
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        app.deployment.run_mutation(internal.inline.write_async, app.ref(doomed))
    assert app.all("notes") == []


def test_a_rolled_back_table_is_not_remembered_as_another_processs_table(
    database_url: str,
) -> None:
    # Scheduling or file metadata reads inside a mutation open a system session on the
    # same transaction: it must not cache that transaction's catalog, which is rolled back
    # here, under a version number that another process's committed table then takes.
    a, b = open_app(database_url), open_app(database_url)
    try:
        later = a.ref(lambda ctx: None)
        # the system tables exist first, so each side below moves the catalog by one
        a.mutation(
            lambda ctx: ctx.scheduler.cancel(ctx.scheduler.run_after(0, "inline:write", later))
        )
        b.all("notes")

        def ghost(ctx: Any) -> None:
            ctx.db.insert("ghost", {"x": 1})
            ctx.scheduler.run_after(60_000, "inline:write", later)
            raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            a.mutation(ghost)
        b.mutation(lambda ctx: ctx.db.insert("real", {"y": 2}))
        assert [d["y"] for d in a.all("real")] == [2]
        assert a.all("ghost") == []
    finally:
        a.deployment.close()
        b.deployment.close()
