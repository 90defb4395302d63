"""Index ranges, order and pagination against a brute-force model (issue 7, item 8), and
proof that a ``with_index`` range is a range scan of a real SQLite index.

Random documents of mixed value types go into a table indexed on one and on two fields
(then some are patched, replaced or deleted); random ranges (equalities, then bounds), orders and filters must give what sorting and
filtering the documents in Python under Convex's order gives (index fields, then
``_creationTime``, then ``_id``), and pages of any size must concatenate to the same list.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convexhttp.store import sqlite as sqlite_store
from convexhttp.values import INT64_MAX, INT64_MIN, UNSET
from tests.data.conftest import App, open_app
from tests.data.model import model_cmp, model_key

INDEXES = {"by_a": ("a",), "by_a_b": ("a", "b")}

# Values that collide, tie and sit on the edges of the encoding, drawn often so that
# equalities and bounds land on stored values; plus arbitrary ones.
EDGES: list[Any] = [
    None,
    False,
    True,
    0,
    -1,
    1,
    127,
    128,
    -129,
    INT64_MIN,
    INT64_MAX,
    0.0,
    -0.0,
    1.0,
    -1.5,
    math.inf,
    -math.inf,
    math.nan,
    -math.nan,
    "",
    "a",
    "a\x00",
    "a\x00b",
    "ab",
    "é",
    b"",
    b"\x00",
    b"a",
    [],
    [None],
    [""],
    [{}],
    {},
    {"": None},
    {"a": 1},
    {"a": {}},
]
edges = st.sampled_from(EDGES)
arbitrary = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(INT64_MIN, INT64_MAX)
    | st.floats()
    | st.text(alphabet="\x00ab\u00e9", max_size=3)
    | st.binary(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=2)
        | st.dictionaries(st.text(alphabet="\x00ab", max_size=2), inner, max_size=2)
    ),
    max_leaves=4,
)
bound_values = edges | arbitrary | st.just(UNSET)
# Values whose index key starts some other value's key ("a" and "a\x00", {} and {"": x}).
prefixes = st.sampled_from(["", "a", "ab", b"", b"a", {}])


def extended(value: Any) -> Any:
    """A value just above ``value``: for strings, bytes and objects one whose index key
    starts with ``value``'s, where ranges go wrong."""
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, bytes):
        return value + b"\x00"
    if isinstance(value, list):
        return [*value, None]
    if isinstance(value, dict):
        return {"": None, **value} if "" not in value else {**value, "\x00": None}
    return value


@st.composite
def palettes(draw: st.DrawFn) -> list[Any]:
    """A few values for the documents of one example to share: ties, and near misses."""
    chosen = draw(st.lists(prefixes | edges | arbitrary, min_size=1, max_size=4))
    return chosen + [extended(v) for v in chosen]


@st.composite
def documents(draw: st.DrawFn, palette: list[Any]) -> dict[str, Any]:
    doc = {}
    for name in ("a", "b", "c"):
        if draw(st.integers(0, 5)):  # sometimes missing
            shared = draw(st.integers(0, 4))
            doc[name] = draw(st.sampled_from(palette)) if shared else draw(arbitrary)
    return doc


@dataclass
class Bound:
    op: str  # gt, gte, lt, lte
    value: Any


@dataclass
class RangeQuery:
    index: str
    equal: list[Any]
    lower: Bound | None
    upper: Bound | None
    order: str
    filters: list[tuple[str, str, Any]] = field(default_factory=list)  # (op, field, value)

    def range(self, q: Any) -> Any:
        fields = INDEXES[self.index]
        for name, value in zip(fields, self.equal, strict=False):
            q = q.eq(name, value)
        bounded = fields[len(self.equal)] if len(self.equal) < len(fields) else None
        for bound in (self.lower, self.upper):
            if bound is not None:
                q = getattr(q, bound.op)(bounded, bound.value)
        return q

    def build(self, db: Any) -> Any:
        query = db.query("mixed").with_index(self.index, self.range).order(self.order)
        for op, name, value in self.filters:
            query = query.filter(
                lambda q, op=op, name=name, value=value: getattr(q, op)(q.field(name), value)
            )
        return query


TESTS = {
    "eq": lambda c: c == 0,
    "neq": lambda c: c != 0,
    "lt": lambda c: c < 0,
    "lte": lambda c: c <= 0,
    "gt": lambda c: c > 0,
    "gte": lambda c: c >= 0,
}


def expected(docs: list[dict[str, Any]], query: RangeQuery) -> list[str]:
    """The brute-force answer: filter and sort in Python under Convex's order."""
    fields = INDEXES[query.index]

    def values(doc: dict[str, Any]) -> list[Any]:
        return [doc.get(name, UNSET) for name in fields]

    def in_range(doc: dict[str, Any]) -> bool:
        vals = values(doc)
        if any(model_cmp(v, e) != 0 for v, e in zip(vals, query.equal, strict=False)):
            return False
        if len(query.equal) == len(fields):
            return True
        bounded = vals[len(query.equal)]
        for bound in (query.lower, query.upper):
            if bound is not None and not TESTS[bound.op](model_cmp(bounded, bound.value)):
                return False
        return True

    def passes(doc: dict[str, Any]) -> bool:
        return all(
            TESTS[op](model_cmp(doc.get(name, UNSET), value)) for op, name, value in query.filters
        )

    chosen = [doc for doc in docs if in_range(doc) and passes(doc)]
    chosen.sort(
        key=lambda doc: model_key([*values(doc), doc["_creationTime"], doc["_id"]]),
        reverse=query.order == "desc",
    )
    return [doc["_id"] for doc in chosen]


@st.composite
def range_queries(draw: st.DrawFn, docs: list[dict[str, Any]], palette: list[Any]) -> RangeQuery:
    index = draw(st.sampled_from(sorted(INDEXES)))
    fields = INDEXES[index]

    def value_of(name: str) -> Any:
        """Mostly a value some document holds (or lacks), or one of the shared values (whose
        extensions documents hold), so that ranges are rarely empty and often tight."""
        held = [doc.get(name, UNSET) for doc in docs]
        how = draw(st.integers(0, 9))
        if how < 4 and held:
            return draw(st.sampled_from(held))
        if how < 7:
            return draw(st.sampled_from(palette))
        if how < 8 and held:
            return extended(draw(st.sampled_from(held)))
        return draw(bound_values)

    n_equal = draw(st.integers(0, len(fields)))
    equal = [value_of(name) for name in fields[:n_equal]]
    lower = upper = None
    if n_equal < len(fields):
        bounded = fields[n_equal]
        if draw(st.booleans()):
            lower = Bound(draw(st.sampled_from(["gt", "gte"])), value_of(bounded))
        if draw(st.booleans()):
            upper = Bound(draw(st.sampled_from(["lt", "lte"])), value_of(bounded))
    filtered = (
        draw(st.lists(st.sampled_from(["a", "b", "c"]), max_size=2)) if draw(st.booleans()) else []
    )
    filters = [(draw(st.sampled_from(sorted(TESTS))), name, value_of(name)) for name in filtered]
    return RangeQuery(index, equal, lower, upper, draw(st.sampled_from(["asc", "desc"])), filters)


@pytest.fixture(scope="module")
def store_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    opened = open_app(tmp_path_factory.mktemp("ranges") / "ranges.sqlite3")
    yield opened
    opened.deployment.close()


def replace_documents(app: App, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table holds exactly ``docs`` (in this insertion order); returns them as stored."""

    def body(ctx: Any) -> list[Any]:
        for old in ctx.db.query("mixed").collect():
            ctx.db.delete(old["_id"])
        ids = [ctx.db.insert("mixed", doc) for doc in docs]
        return [ctx.db.get(doc_id) for doc_id in ids]

    return app.mutation(body)  # type: ignore[no-any-return]


@st.composite
def edits(draw: st.DrawFn, palette: list[Any]) -> list[tuple[int, str, Any]]:
    """Writes after the inserts: (which document, what, a value) for the index to follow."""
    kinds = st.sampled_from(["patch", "unset", "replace", "delete"])
    value = st.sampled_from(palette) | arbitrary
    return draw(st.lists(st.tuples(st.integers(0, 19), kinds, value), max_size=4))


def edit_documents(
    app: App, stored: list[dict[str, Any]], changes: list[tuple[int, str, Any]]
) -> list[dict[str, Any]]:
    """Patch, replace or delete some documents; returns what the table then holds."""

    def body(ctx: Any) -> list[Any]:
        ids = [doc["_id"] for doc in stored]
        for which, kind, value in changes:
            doc_id = ids[which % len(ids)]
            if ctx.db.get(doc_id) is None:
                continue
            if kind == "patch":
                ctx.db.patch(doc_id, {"a": value})
            elif kind == "unset":
                ctx.db.patch(doc_id, {"b": UNSET, "c": value})
            elif kind == "replace":
                ctx.db.replace(doc_id, {"b": value})
            else:
                ctx.db.delete(doc_id)
        return [doc for doc in (ctx.db.get(doc_id) for doc_id in ids) if doc is not None]

    return app.mutation(body)  # type: ignore[no-any-return]


def paginated(app: App, query: RangeQuery, size: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(1000):
        options = {"numItems": size, "cursor": cursor}
        result = app.query(lambda ctx, options=options: query.build(ctx.db).paginate(options))
        ids += [doc["_id"] for doc in result["page"]]
        if result["isDone"]:
            return ids
        cursor = result["continueCursor"]
    raise AssertionError("pagination never finished")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())
def test_index_ranges_order_and_pages_match_the_model(store_app: App, data: st.DataObject) -> None:
    palette = data.draw(palettes())
    docs = data.draw(st.lists(documents(palette), min_size=1, max_size=20))
    stored = replace_documents(store_app, docs)
    stored = edit_documents(store_app, stored, data.draw(edits(palette)))
    for _ in range(4):
        query = data.draw(range_queries(stored, palette))
        want = expected(stored, query)
        got = store_app.query(lambda ctx, query=query: [d["_id"] for d in query.build(ctx.db)])
        assert got == want, query
        size = data.draw(st.integers(1, 4))
        assert paginated(store_app, query, size) == want, (query, size)


# --- a range is a range scan ---------------------------------------------------------------


def test_sqlite_answers_a_scan_with_a_search_of_the_entries_primary_key(tmp_path: Path) -> None:
    app = open_app(tmp_path / "plan.sqlite3")
    app.mutation(lambda ctx: ctx.db.insert("mixed", {"a": 1}))
    conn = sqlite3.connect(tmp_path / "plan.sqlite3")
    try:
        for (low, high, _desc), sql in sqlite_store._SCANS.items():
            params = [1] + [b"\x01"] * (low + high) + [10]
            plan = " / ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
            bounds = " AND ".join(["index_id=?"] + ["key>?"] * low + ["key<?"] * high)
            assert f"SEARCH e USING PRIMARY KEY ({bounds})" in plan, plan
            assert "SCAN" not in plan, plan  # no table scan, no sort step
            assert "TEMP B-TREE" not in plan, plan
    finally:
        conn.close()
        app.deployment.close()


@dataclass
class RowCounter:
    returned: int = 0
    calls: int = 0


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> RowCounter:
    """Counts the rows the store hands up from its scans."""
    counter = RowCounter()
    original: Callable[..., Any] = sqlite_store._SQLiteTransaction.scan

    def scan(self: Any, *args: Any, **kwargs: Any) -> Any:
        rows = original(self, *args, **kwargs)
        counter.calls += 1
        counter.returned += len(rows)
        return rows

    monkeypatch.setattr(sqlite_store._SQLiteTransaction, "scan", scan)
    return counter


def test_a_narrow_range_reads_only_its_rows_from_a_large_table(
    tmp_path: Path, counted: RowCounter
) -> None:
    app = open_app(tmp_path / "large.sqlite3")
    app.mutation(
        lambda ctx: [ctx.db.insert("mixed", {"a": i // 3, "b": i % 3}) for i in range(3000)]
    )

    def read(rng: Callable[[Any], Any], index: str = "by_a") -> list[Any]:
        counted.returned = counted.calls = 0
        docs = app.query(lambda ctx: ctx.db.query("mixed").with_index(index, rng).collect())
        return [(doc["a"], doc["b"]) for doc in docs]

    assert read(lambda q: q.eq("a", 500)) == [(500, 0), (500, 1), (500, 2)]
    assert counted.returned == 3
    assert read(lambda q: q.gt("a", 998)) == [(999, 0), (999, 1), (999, 2)]
    assert counted.returned == 3
    assert read(lambda q: q.eq("a", 7).gte("b", 1), "by_a_b") == [(7, 1), (7, 2)]
    assert counted.returned == 2
    counted.returned = 0
    first = app.query(
        lambda ctx: ctx.db.query("mixed").with_index("by_a", lambda q: q.gte("a", 10)).first()
    )
    assert (first["a"], first["b"]) == (10, 0)
    assert counted.returned < 100  # a first batch, not the 2970 documents in range
    app.deployment.close()
