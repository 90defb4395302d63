"""``ctx.db``: documents, indexes and queries over a ``Store`` transaction.

``Database`` is an app's data for one process: the store, the schema and a
copy of the catalog (tables, indexes). ``Session`` is one transaction's view;
``DatabaseReader`` / ``DatabaseWriter`` are what functions see as ``ctx.db``,
and ``Query`` is ``ctx.db.query(table)``. Index keys are built here (one
``sortkey.values_key`` per index: the index's fields, ``_creationTime``,
``_id``), so a ``with_index`` range becomes a byte range the store scans.
"""

from __future__ import annotations

import base64
import binascii
import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Literal

from .ids import IdError, decode_id, new_id, table_number_of
from .schema import BUILTIN_INDEXES, BY_CREATION_TIME, BY_ID, Schema, check_table_name
from .sortkey import after_values, compare, sort_key, values_key
from .store.base import (
    SYSTEM_TABLES,
    Catalog,
    IndexEntry,
    RetryableConflict,
    ScannedDocument,
    Store,
    StoredIndex,
    Transaction,
)
from .validators import (
    ObjectValidator,
    SchemaValidationError,
    Validator,
    _Float64,
    _Int64,
    _Mismatch,
    _Optional,
    _Union,
)
from .values import UNSET, check_value, dumps_stored, loads_stored, type_name

__all__ = [
    "Database",
    "DatabaseReader",
    "DatabaseWriter",
    "Document",
    "FilterBuilder",
    "IndexRangeBuilder",
    "Query",
    "ReadOnlyError",
    "Session",
    "scanned_document",
]

Document = dict[str, Any]
Order = Literal["asc", "desc"]
SYSTEM_FIELDS: Final = ("_id", "_creationTime")
# The system tables' own indexes, on fields that start with "_" and that users never see.
SYSTEM_INDEXES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "_scheduled_functions": {"by_next_ts": ("_nextTs",), "by_lease": ("_leaseUntil",)},
    "_storage": {"by_url_key": ("_urlKey",)},
    "_cron_jobs": {"by_name": ("name",), "by_next_ts": ("_nextTs",)},
}
_SYSTEM_FORMAT: Final = "system-1"
_SCHEMA_ATTEMPTS: Final = 10
_FIRST_BATCH: Final = 32
_MAX_BATCH: Final = 1024


class ReadOnlyError(RuntimeError):
    """A write from a query (queries read one snapshot and cannot write)."""


# --- the process's catalog -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CatalogView:
    """The tables and indexes as one committed catalog version has them."""

    version: int
    numbers: dict[str, int]
    names: dict[int, str]
    indexes: dict[int, dict[str, StoredIndex]]  # table number -> index name -> index

    @classmethod
    def of(cls, catalog: Catalog) -> _CatalogView:
        indexes: dict[int, dict[str, StoredIndex]] = {}
        for index in catalog.indexes:
            indexes.setdefault(index.table_number, {})[index.name] = index
        names = {number: name for name, number in catalog.tables.items()}
        return cls(catalog.version, dict(catalog.tables), names, indexes)


class Database:
    """An app's documents for this process: the store, the schema, the cached catalog."""

    def __init__(self, store: Store, schema: Schema | None = None) -> None:
        self.store = store
        self.schema = schema
        self._catalog: _CatalogView | None = None
        self._lock = threading.Lock()
        self._last_time = 0.0

    # -- catalog
    def catalog(self, txn: Transaction) -> _CatalogView:
        """The catalog as this transaction sees it (re-read when another process moved it)."""
        version = txn.catalog_version()
        cached = self._catalog
        if cached is not None and cached.version == version:
            return cached
        view = _CatalogView.of(txn.read_catalog())
        self._catalog = view
        return view

    def table_of_id(self, doc_id: str) -> str | None:
        """The table an id belongs to (from the cache; None when unknown)."""
        number = table_number_of(doc_id)
        if number is None:
            return None
        cached = self._catalog
        name = cached.names.get(number) if cached is not None else None
        if name is None:
            with self.store.transaction(write=False) as txn:
                name = self.catalog(txn).names.get(number)
        return name

    def creation_time(self) -> float:
        """Now in ms since the epoch, strictly increasing within this process."""
        with self._lock:
            now = time.time() * 1000.0
            if now <= self._last_time:
                now = self._last_time + 0.001
            self._last_time = now
            return now

    # -- schema
    def apply_schema(self) -> None:
        """Bring the stored indexes in line with the schema (add and backfill, drop), once
        per schema change; check existing documents against a changed schema."""
        schema = self.schema
        fingerprint = (schema.fingerprint() if schema is not None else "none") + _SYSTEM_FORMAT
        with self.store.transaction(write=False) as txn:
            if txn.get_meta("schema_fingerprint") == fingerprint:
                return
        for attempt in range(_SCHEMA_ATTEMPTS):
            try:
                self._apply_schema(fingerprint)
                return
            except RetryableConflict:  # another server applied it at the same moment
                if attempt == _SCHEMA_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.01, 0.1))

    def _apply_schema(self, fingerprint: str) -> None:
        schema = self.schema
        with self.store.transaction(write=True) as txn:
            if txn.get_meta("schema_fingerprint") == fingerprint:  # another process did it
                return
            session = Session(self, txn, system=True)
            for table in SYSTEM_TABLES:
                session.table_number(table, create=True)
            if schema is not None:
                for table in schema.tables:
                    session.table_number(table, create=True)
            view = session.view
            for number, name in sorted(view.names.items()):
                if name.startswith("_"):
                    continue
                declared: dict[str, tuple[str, ...]] = {}
                if schema is not None and name in schema.tables:
                    declared = dict(schema.tables[name].indexes)
                existing = view.indexes.get(number, {})
                for index_name, index in existing.items():
                    if index_name in BUILTIN_INDEXES:
                        continue
                    if declared.get(index_name) != index.fields:
                        txn.drop_index(index.id)
                for index_name, fields in declared.items():
                    current = existing.get(index_name)
                    if current is None or current.fields != fields:
                        new_index = txn.create_index(number, index_name, fields)
                        session.backfill(number, index_name, new_index, fields)
                session.refresh()
                if schema is not None and name in schema.tables and schema.schema_validation:
                    session.check_table(name)
            txn.set_meta("schema_fingerprint", fingerprint)


# --- one transaction -------------------------------------------------------------------


def field_value(doc: Mapping[str, Any], path: str) -> Any:
    """A (dotted) field of a document, or ``UNSET`` when it is missing."""
    if "." not in path:
        return doc.get(path, UNSET)
    value: Any = doc
    for part in path.split("."):
        if type(value) is not dict:
            return UNSET
        value = value.get(part, UNSET)
        if value is UNSET:
            return UNSET
    return value


def _index_key(index: StoredIndex, doc: Mapping[str, Any]) -> bytes:
    if index.name == BY_ID:
        return sort_key(doc["_id"])
    if index.name == BY_CREATION_TIME:
        return values_key((doc["_creationTime"], doc["_id"]))
    values = [field_value(doc, f) for f in index.fields]
    values.append(doc["_creationTime"])
    values.append(doc["_id"])
    return values_key(values)


class Session:
    """One transaction's documents: reads, writes and index maintenance."""

    def __init__(
        self,
        database: Database,
        txn: Transaction,
        *,
        system: bool = False,
        view: _CatalogView | None = None,
    ) -> None:
        self.database = database
        self.txn = txn
        self.system = system  # may write system tables (the scheduler, file storage)
        # A session opened inside a transaction (a query run by a mutation, db.system) shares
        # its view: reading the catalog there could cache one that is then rolled back, under
        # a version number that another process's committed change reuses.
        self.view = view if view is not None else database.catalog(txn)
        self.scheduled: list[float] = []  # due times of the jobs this transaction scheduled
        self.budget: Any = None  # what the running function may still schedule
        self.after_commit: list[Callable[[], None]] = []  # e.g. removing a deleted file

    def derive(self, *, system: bool = False) -> Session:
        """Another session on this transaction, sharing its catalog view (a system one may
        write system tables)."""
        return Session(self.database, self.txn, system=system, view=self.view)

    def refresh(self) -> None:
        self.view = _CatalogView.of(self.txn.read_catalog())

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction (a mutation run by a mutation): when it raises, its writes
        are rolled back, and so is what it did to the catalog (a table it created)."""
        view = self.view
        try:
            with self.txn.savepoint():
                yield
        except BaseException:
            self.view = view
            raise

    # -- tables and ids
    def table_number(self, table: str, *, create: bool = False) -> int | None:
        number = self.view.numbers.get(table)
        if number is None and create:
            number = self.txn.create_table(table, SYSTEM_TABLES.get(table))
            self.txn.create_index(number, BY_ID, ())
            self.txn.create_index(number, BY_CREATION_TIME, ())
            schema = self.database.schema
            declared: dict[str, tuple[str, ...]] = SYSTEM_INDEXES.get(table, {})
            if schema is not None and table in schema.tables:
                declared = schema.tables[table].indexes
            for name, fields in declared.items():
                self.txn.create_index(number, name, fields)
            self.refresh()
        return number

    def table_of_id(self, doc_id: str) -> str | None:
        number = table_number_of(doc_id)
        return None if number is None else self.view.names.get(number)

    def resolve_id(self, doc_id: object, what: str, table: str | None = None) -> tuple[str, str]:
        """``(doc_id, table)`` for an id argument; a ``ValueError`` saying why it is not one."""
        try:
            number = decode_id(doc_id).table_number
        except IdError as exc:
            raise ValueError(f"Invalid argument `id` for `{what}`: {exc}: {doc_id!r}") from None
        name = self.view.names.get(number)
        if name is None:
            raise ValueError(f"Invalid argument `id` for `{what}`: no table has the id {doc_id}")
        if table is not None and name != table:
            raise ValueError(
                f"Invalid argument `id` for `{what}`: {doc_id} is an id of table {name!r}, "
                f"not {table!r}"
            )
        if name.startswith("_") and not self.system:
            raise ValueError(
                f"{doc_id} is a document of the system table {name}: read it with "
                f"ctx.db.system (writes to system tables go through ctx.storage and ctx.scheduler)"
            )
        return doc_id, name  # type: ignore[return-value]

    def indexes(self, table: str) -> dict[str, StoredIndex]:
        number = self.view.numbers.get(table)
        return {} if number is None else self.view.indexes.get(number, {})

    # -- reading
    def get(self, doc_id: str) -> Document | None:
        stored = self.txn.get(doc_id)
        if stored is None:
            return None
        return _document(doc_id, stored.creation_time, stored.value)

    def scan(
        self,
        index: StoredIndex,
        low: bytes | None,
        high: bytes | None,
        descending: bool,
        batch: int = _FIRST_BATCH,
    ) -> Iterator[ScannedDocument]:
        """Every entry of ``index`` in ``[low, high)``, fetched in growing batches."""
        scan = self.txn.scan
        while True:
            rows = scan(index.id, low, high, descending=descending, limit=batch)
            yield from rows
            if len(rows) < batch:
                return
            if descending:
                high = rows[-1].key
            else:
                low = rows[-1].key + b"\x00"  # the least key after it
            batch = min(batch * 4, _MAX_BATCH)

    # -- validation
    def _schema_table(self, table: str) -> Validator | None:
        schema = self.database.schema
        if schema is None or table.startswith("_"):
            return None
        definition = schema.tables.get(table)
        if definition is None:
            if schema.strict_table_name_types:
                raise ValueError(
                    f"table {table!r} is not in the schema (tables: "
                    f"{', '.join(sorted(schema.tables)) or 'none'}); add it with define_table, "
                    "or pass strict_table_name_types=False to define_schema"
                )
            return None
        return definition.document if schema.schema_validation else None

    def _checked_fields(self, table: str, fields: Any, what: str) -> dict[str, Any]:
        if not isinstance(fields, dict):
            raise TypeError(f"{what}: a document is a dict, got {type_name(fields)}")
        validator = self._schema_table(table)
        if validator is None:
            check_value(fields)
        else:  # a validator checks every value it accepts (v.any() with check_value)
            try:
                fields = validator.check(fields, (), self.table_of_id)
            except _Mismatch as exc:
                raise exc.as_error(
                    SchemaValidationError,
                    f"Failed to {what} a document of table {table!r}: it does not match "
                    "the schema. ",
                ) from None
        return fields  # type: ignore[no-any-return]

    def check_table(self, table: str) -> None:
        """Every document of ``table`` against the schema (when the schema changes)."""
        validator = self._schema_table(table)
        if validator is None:
            return
        index = self.indexes(table).get(BY_ID)
        if index is None:
            return
        for row in self.scan(index, None, None, False, _MAX_BATCH):
            fields = loads_stored(row.value)
            try:
                validator.check(fields, (), self.table_of_id)
            except _Mismatch as exc:
                raise exc.as_error(
                    SchemaValidationError,
                    f"The schema does not match document {row.id} already in table "
                    f"{table!r}: change the schema or fix the document first. ",
                ) from None

    def backfill(self, table_number: int, name: str, index_id: int, fields: Sequence[str]) -> None:
        """Write the entries of a new index for every existing document of the table."""
        by_id = self.view.indexes.get(table_number, {}).get(BY_ID)
        if by_id is None:
            return
        index = StoredIndex(index_id, table_number, name, tuple(fields))
        for row in self.scan(by_id, None, None, False, _MAX_BATCH):
            doc = scanned_document(row)
            self.txn.add_entries(row.id, [(index_id, _index_key(index, doc))])

    # -- writing
    def _require_write(self, what: str) -> None:
        if not self.txn.write:
            raise DatabaseReader._no_write(what)

    def _entries(self, table: str, doc: Mapping[str, Any]) -> list[IndexEntry]:
        return [(index.id, _index_key(index, doc)) for index in self.indexes(table).values()]

    def insert(self, table: str, fields: Any) -> str:
        self._require_write("insert")
        check_table_name(table, system=self.system)
        if isinstance(fields, dict) and not self.system:
            for key in fields:
                if isinstance(key, str) and key.startswith("_"):
                    raise ValueError(
                        f"Failed to insert into {table!r}: field {key!r} starts with '_': "
                        "system fields are set by the database"
                    )
        fields = self._checked_fields(table, fields, "insert")
        number = self.table_number(table, create=True)
        assert number is not None
        doc_id = new_id(number)
        creation_time = self.database.creation_time()
        doc = {"_id": doc_id, "_creationTime": creation_time, **fields}
        self.txn.insert(
            doc_id, number, creation_time, dumps_stored(fields), self._entries(table, doc)
        )
        return doc_id

    def _current(self, doc_id: object, what: str, table: str | None) -> tuple[str, str, Document]:
        self._require_write(what)
        resolved, name = self.resolve_id(doc_id, f"db.{what}", table)
        doc = self.get(resolved)
        if doc is None:
            verb = {"patch": "Update", "replace": "Replace", "delete": "Delete"}[what]
            raise ValueError(f"{verb} on nonexistent document ID {resolved}")
        return resolved, name, doc

    def _write_back(self, doc_id: str, table: str, old: Document, fields: dict[str, Any]) -> None:
        new = {"_id": doc_id, "_creationTime": old["_creationTime"], **fields}
        before = set(self._entries(table, old))
        after = set(self._entries(table, new))
        self.txn.update(
            doc_id, dumps_stored(fields), sorted(before - after), sorted(after - before)
        )

    @staticmethod
    def _user_fields(doc: Document) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k not in SYSTEM_FIELDS}

    def _drop_system_fields(
        self, old: Document, fields: dict[str, Any], what: str
    ) -> dict[str, Any]:
        out = {}
        for key, value in fields.items():
            if (
                isinstance(key, str)
                and key.startswith("_")
                and (key in SYSTEM_FIELDS or not self.system)
            ):
                if key in SYSTEM_FIELDS and value == old[key]:
                    continue  # unchanged system fields are allowed, as Convex allows them
                raise ValueError(f"Failed to {what} {old['_id']}: field {key!r} cannot be set")
            out[key] = value
        return out

    def patch(self, doc_id: object, fields: Any, table: str | None = None) -> None:
        doc_id, name, old = self._current(doc_id, "patch", table)
        if not isinstance(fields, dict):
            raise TypeError(f"db.patch: the fields are a dict, got {type_name(fields)}")
        merged = self._user_fields(old)
        for key, value in self._drop_system_fields(old, fields, "patch").items():
            if value is UNSET:
                merged.pop(key, None)
            else:
                merged[key] = value
        self._write_back(doc_id, name, old, self._checked_fields(name, merged, "patch"))

    def replace(self, doc_id: object, fields: Any, table: str | None = None) -> None:
        doc_id, name, old = self._current(doc_id, "replace", table)
        if not isinstance(fields, dict):
            raise TypeError(f"db.replace: a document is a dict, got {type_name(fields)}")
        fields = self._drop_system_fields(old, fields, "replace")
        self._write_back(doc_id, name, old, self._checked_fields(name, fields, "replace"))

    def delete(self, doc_id: object, table: str | None = None) -> None:
        doc_id, name, old = self._current(doc_id, "delete", table)
        self.txn.delete(doc_id, self._entries(name, old))

    # -- schema-aware literals
    def field_validator(self, table: str, path: str) -> Validator | None:
        if path == "_creationTime":  # in every table, with or without a schema
            return _CREATION_TIME
        schema = self.database.schema
        definition = schema.tables.get(table) if schema is not None else None
        validator: Validator | None = definition.document if definition is not None else None
        for part in path.split("."):
            validator = _unwrap(validator)
            if not isinstance(validator, ObjectValidator):
                return None
            validator = validator.fields.get(part)
        return validator


_CREATION_TIME: Final = _Float64()


def _unwrap(validator: Validator | None) -> Validator | None:
    while isinstance(validator, _Optional):
        validator = validator.inner
    return validator


def _is_number_field(validator: Validator | None) -> bool:
    """``v.number()``, also optional or in a union with no other kind of number."""
    validator = _unwrap(validator)
    if isinstance(validator, _Union):
        members = [_unwrap(m) for m in validator.members]
        return any(isinstance(m, _Float64) for m in members) and not any(
            isinstance(m, _Int64) or (m is not None and m.kind == "any") for m in members
        )
    return isinstance(validator, _Float64)


def _coerce(validator: Validator | None, value: Any) -> Any:
    """A Python ``int`` compared with a field the schema declares ``v.number()`` is a float
    (Convex's JS clients have one number type; Python has two)."""
    if type(value) is int and _is_number_field(validator):
        return float(value)
    return value


# --- index ranges ----------------------------------------------------------------------


class IndexRangeBuilder:
    """``q`` in ``with_index(name, lambda q: q.eq("a", x).gt("b", y))``."""

    def __init__(self, fields: tuple[str, ...], coerce: Callable[[str, Any], Any]) -> None:
        self._fields = fields
        self._coerce = coerce
        self.equal: list[Any] = []
        self.lower: tuple[str, Any] | None = None
        self.upper: tuple[str, Any] | None = None
        self._bounded: str | None = None

    def _next_field(self, field: str, op: str) -> Any:
        if not isinstance(field, str):
            raise TypeError(f"{op}(): the field is a str, got {field!r}")
        position = len(self.equal)
        if self._bounded is not None:
            if op in ("gt", "gte", "lt", "lte") and field == self._bounded:
                return
            raise ValueError(
                f"index range: {op}({field!r}) after a bound on {self._bounded!r}; "
                "only one more bound on that same field may follow"
            )
        if position >= len(self._fields):
            raise ValueError(
                f"index range: {op}({field!r}) but the index has only the fields "
                f"{list(self._fields)}"
            )
        expected = self._fields[position]
        if field != expected:
            raise ValueError(
                f"index range: {op}({field!r}) where the index's next field is {expected!r} "
                f"(fields in order: {list(self._fields)})"
            )

    def _value(self, field: str, value: Any) -> Any:
        if value is not UNSET:
            check_value(value)
        return self._coerce(field, value)

    def eq(self, field: str, value: Any) -> IndexRangeBuilder:
        self._next_field(field, "eq")
        if self._bounded is not None:
            raise ValueError("index range: eq() after a bound")
        self.equal.append(self._value(field, value))
        return self

    def _bound(self, op: str, field: str, value: Any) -> IndexRangeBuilder:
        self._next_field(field, op)
        lower = op in ("gt", "gte")
        if (self.lower if lower else self.upper) is not None:
            raise ValueError(f"index range: two {'lower' if lower else 'upper'} bounds")
        bound = (op, self._value(field, value))
        if lower:
            self.lower = bound
        else:
            self.upper = bound
        self._bounded = field
        return self

    def gt(self, field: str, value: Any) -> IndexRangeBuilder:
        return self._bound("gt", field, value)

    def gte(self, field: str, value: Any) -> IndexRangeBuilder:
        return self._bound("gte", field, value)

    def lt(self, field: str, value: Any) -> IndexRangeBuilder:
        return self._bound("lt", field, value)

    def lte(self, field: str, value: Any) -> IndexRangeBuilder:
        return self._bound("lte", field, value)

    def key_range(self) -> tuple[bytes | None, bytes | None]:
        """``[low, high)`` as index-key bytes."""
        prefix = values_key(self.equal)
        low: bytes | None = prefix or None
        high = after_values(prefix) if prefix else None
        if self.lower is not None:
            op, value = self.lower
            key = prefix + sort_key(value)
            low = key if op == "gte" else after_values(key)
        if self.upper is not None:
            op, value = self.upper
            key = prefix + sort_key(value)
            high = key if op == "lt" else after_values(key)
        return low, high


# --- filters ---------------------------------------------------------------------------


class Expression:
    """A filter expression built with ``q``; evaluated against each document."""

    __slots__ = ("evaluate", "field")

    def __init__(self, evaluate: Callable[[Document], Any], field: str | None = None) -> None:
        self.evaluate = evaluate
        self.field = field

    def __bool__(self) -> bool:
        raise TypeError(
            "a filter expression has no truth value in Python: combine expressions with "
            "q.and_(...), q.or_(...) and q.not_(...), not and/or/not"
        )


_INT64_RANGE: Final = (-(2**63), 2**63 - 1)


def _number_kind(value: Any, op: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"q.{op}(): {value!r} is not a number")
    return "int" if isinstance(value, int) else "float"


def _int64(value: int, op: str) -> int:
    if not _INT64_RANGE[0] <= value <= _INT64_RANGE[1]:
        raise OverflowError(f"q.{op}(): the result {value} overflows int64")
    return value


def _arith(op: str, a: Any, b: Any) -> Any:
    ka, kb = _number_kind(a, op), _number_kind(b, op)
    if ka != kb:
        raise TypeError(
            f"q.{op}(): cannot combine int64 {a if ka == 'int' else b!r} with "
            f"float64 {b if ka == 'int' else a!r}"
        )
    if ka == "int":
        if op == "add":
            return _int64(a + b, op)
        if op == "sub":
            return _int64(a - b, op)
        if op == "mul":
            return _int64(a * b, op)
        if b == 0:
            raise ZeroDivisionError(f"q.{op}(): int64 division by zero")
        quotient = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)  # truncated, as BigInt
        return _int64(quotient, op) if op == "div" else a - b * quotient
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        if b == 0:
            if a == 0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    if b == 0 or math.isinf(a):
        return math.nan
    return math.fmod(a, b)  # JS's % keeps the dividend's sign


class FilterBuilder:
    """``q`` in ``filter(lambda q: q.eq(q.field("author"), "ann"))``."""

    def __init__(self, field_validator: Callable[[str], Validator | None]) -> None:
        self._field_validator = field_validator

    def field(self, path: str) -> Expression:
        if not isinstance(path, str) or not path:
            raise TypeError(f"q.field() takes a field name, got {path!r}")
        if "." in path:
            return Expression(lambda doc: field_value(doc, path), path)
        return Expression(lambda doc: doc.get(path, UNSET), path)

    def _operand(self, value: Any, other: Any = None) -> Callable[[Document], Any]:
        if isinstance(value, Expression):
            return value.evaluate
        if value is not UNSET:
            check_value(value)
        if isinstance(other, Expression) and other.field is not None:
            value = _coerce(self._field_validator(other.field), value)
        return lambda doc: value

    def _compare(self, a: Any, b: Any, test: Callable[[int], bool]) -> Expression:
        fa, fb = self._operand(a, b), self._operand(b, a)
        return Expression(lambda doc: test(compare(fa(doc), fb(doc))))

    def eq(self, a: Any, b: Any) -> Expression:
        return self._compare(a, b, lambda c: c == 0)

    def neq(self, a: Any, b: Any) -> Expression:
        return self._compare(a, b, lambda c: c != 0)

    def lt(self, a: Any, b: Any) -> Expression:
        return self._compare(a, b, lambda c: c < 0)

    def lte(self, a: Any, b: Any) -> Expression:
        return self._compare(a, b, lambda c: c <= 0)

    def gt(self, a: Any, b: Any) -> Expression:
        return self._compare(a, b, lambda c: c > 0)

    def gte(self, a: Any, b: Any) -> Expression:
        return self._compare(a, b, lambda c: c >= 0)

    def _boolean(self, value: Any, op: str) -> Callable[[Document], bool]:
        fn = self._operand(value)

        def as_bool(doc: Document) -> bool:
            result = fn(doc)
            if not isinstance(result, bool):
                raise TypeError(f"q.{op}(): expected a boolean, got {result!r}")
            return result

        return as_bool

    def and_(self, *exprs: Any) -> Expression:
        fns = [self._boolean(e, "and_") for e in exprs]
        return Expression(lambda doc: all(fn(doc) for fn in fns))

    def or_(self, *exprs: Any) -> Expression:
        fns = [self._boolean(e, "or_") for e in exprs]
        return Expression(lambda doc: any(fn(doc) for fn in fns))

    def not_(self, expr: Any) -> Expression:
        fn = self._boolean(expr, "not_")
        return Expression(lambda doc: not fn(doc))

    def _arith(self, op: str, a: Any, b: Any) -> Expression:
        fa, fb = self._operand(a, b), self._operand(b, a)
        return Expression(lambda doc: _arith(op, fa(doc), fb(doc)))

    def add(self, a: Any, b: Any) -> Expression:
        return self._arith("add", a, b)

    def sub(self, a: Any, b: Any) -> Expression:
        return self._arith("sub", a, b)

    def mul(self, a: Any, b: Any) -> Expression:
        return self._arith("mul", a, b)

    def div(self, a: Any, b: Any) -> Expression:
        return self._arith("div", a, b)

    def mod(self, a: Any, b: Any) -> Expression:
        return self._arith("mod", a, b)

    def neg(self, a: Any) -> Expression:
        fa = self._operand(a)

        def negate(doc: Document) -> Any:
            value = fa(doc)
            kind = _number_kind(value, "neg")
            return _int64(-value, "neg") if kind == "int" else -value

        return Expression(negate)


# The JS names spelled as Convex users look for them (getattr(q, "and") works too).
setattr(FilterBuilder, "and", FilterBuilder.and_)
setattr(FilterBuilder, "or", FilterBuilder.or_)
setattr(FilterBuilder, "not", FilterBuilder.not_)


# --- queries ---------------------------------------------------------------------------

_END_FLAG: Final = b"\x02"
_KEY_FLAG: Final = b"\x01"


class Query:
    """``ctx.db.query(table)``: pick an index and a range, an order, filters; then read."""

    def __init__(
        self,
        session: Session,
        table: str,
        present: Callable[[Document], Document] | None = None,
    ) -> None:
        self._session = session
        self._table = table
        self._present = present
        self._index_name = BY_CREATION_TIME
        self._range: tuple[bytes | None, bytes | None] = (None, None)
        self._order: Order = "asc"
        self._filters: list[Callable[[Document], Any]] = []
        self._stage = 0  # 0: may pick an index, 1: may order, 2: only filters and reads
        self._used = False

    # -- building
    def _coerce(self, field: str, value: Any) -> Any:
        return _coerce(self._session.field_validator(self._table, field), value)

    def _index_fields(self, name: str) -> tuple[str, ...]:
        builtin = BUILTIN_INDEXES.get(name)
        if builtin is not None:
            return builtin
        index = self._session.indexes(self._table).get(name)
        if index is None:
            schema = self._session.database.schema
            definition = schema.tables.get(self._table) if schema is not None else None
            if definition is not None and name in definition.indexes:
                return (*definition.indexes[name], "_creationTime")
            known = sorted({*BUILTIN_INDEXES, *self._session.indexes(self._table)})
            raise ValueError(
                f"Index {self._table}.{name} not found (indexes: {', '.join(known)}); "
                "declare it in schema.py with define_table(...).index(...)"
            )
        return (*index.fields, "_creationTime")

    def with_index(
        self, name: str, range: Callable[[IndexRangeBuilder], Any] | None = None
    ) -> Query:
        if self._stage > 0:
            raise ValueError("with_index() must come first, before order() and filter()")
        fields = self._index_fields(name)
        self._index_name = name
        if range is not None:
            builder = IndexRangeBuilder(fields, self._coerce)
            result = range(builder)
            if result is not builder:
                raise TypeError(
                    "with_index(): the range function must return the builder it was given "
                    "(lambda q: q.eq('field', value))"
                )
            self._range = builder.key_range()
        self._stage = 1
        return self

    def full_table_scan(self) -> Query:
        if self._stage > 0:
            raise ValueError("full_table_scan() must come first, before order() and filter()")
        self._stage = 1
        return self

    def with_search_index(self, name: str, search: Any = None) -> Query:
        raise NotImplementedError(
            f"search index {name!r}: convexhttp has no full-text search; use with_index and filter"
        )

    def order(self, order: Order) -> Query:
        if order not in ("asc", "desc"):
            raise ValueError(f"order() takes 'asc' or 'desc', got {order!r}")
        if self._stage > 1:
            raise ValueError("order() may be given once, before filter()")
        self._order = order
        self._stage = 2
        return self

    def filter(self, predicate: Callable[[FilterBuilder], Expression]) -> Query:
        expr = predicate(FilterBuilder(lambda f: self._session.field_validator(self._table, f)))
        if not isinstance(expr, Expression):
            raise TypeError(
                "filter(): the function must return an expression built with q, e.g. "
                f"lambda q: q.eq(q.field('author'), 'ann'); got {expr!r}"
            )
        self._filters.append(expr.evaluate)
        self._stage = max(self._stage, 1)
        return self

    withIndex = with_index
    fullTableScan = full_table_scan
    withSearchIndex = with_search_index

    # -- reading
    def _index(self) -> StoredIndex | None:
        return self._session.indexes(self._table).get(self._index_name)

    def _fingerprint(self) -> bytes:
        low, high = self._range
        text = f"{self._table}|{self._index_name}|{self._order}|{low!r}|{high!r}"
        return binascii.crc32(text.encode()).to_bytes(4, "big")

    def _rows(self, after: bytes | None = None) -> Iterator[ScannedDocument]:
        index = self._index()
        if index is None:  # the table (or the index) has no documents yet
            return iter(())
        low, high = self._range
        descending = self._order == "desc"
        if after is not None:
            if descending:
                high = after
            else:
                low = after + b"\x00"
        return self._session.scan(index, low, high, descending)

    def _matches(self, doc: Document) -> bool:
        return all(f(doc) is True for f in self._filters)

    def _documents(self, after: bytes | None = None) -> Iterator[tuple[bytes, Document]]:
        filters = self._filters
        present = self._present
        for row in self._rows(after):
            doc = scanned_document(row)
            if present is not None:
                doc = present(doc)
            if not filters or self._matches(doc):
                yield row.key, doc

    def _start(self, what: str) -> None:
        if self._used:
            raise RuntimeError(f"{what}(): this query has been read already; build a new one")
        self._used = True

    def __iter__(self) -> Iterator[Document]:
        self._start("iteration")
        return (doc for _, doc in self._documents())

    def collect(self) -> list[Document]:
        self._start("collect")
        return [doc for _, doc in self._documents()]

    def take(self, n: int) -> list[Document]:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"take() takes a non-negative int, got {n!r}")
        self._start("take")
        out: list[Document] = []
        if n == 0:
            return out
        for _, doc in self._documents():
            out.append(doc)
            if len(out) >= n:
                break
        return out

    def first(self) -> Document | None:
        docs = self.take(1)
        return docs[0] if docs else None

    def unique(self) -> Document | None:
        docs = self.take(2)
        if len(docs) > 1:
            raise ValueError(
                f"unique() query returned more than one result from table {self._table}: "
                f"{docs[0]['_id']}, {docs[1]['_id']}, ..."
            )
        return docs[0] if docs else None

    def paginate(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """``{"page", "isDone", "continueCursor"}`` for ``{"numItems": n, "cursor": c}``."""
        if not isinstance(options, Mapping):
            raise TypeError(f"paginate() takes {{'numItems': n, 'cursor': c}}, got {options!r}")
        num = options.get("numItems", options.get("num_items"))
        if isinstance(num, float) and num.is_integer():
            num = int(num)
        if isinstance(num, bool) or not isinstance(num, int) or num < 0:
            raise ValueError(f"paginate(): numItems must be a non-negative integer, got {num!r}")
        self._start("paginate")
        tag = self._fingerprint()
        after = self._decode_cursor(options.get("cursor"), tag)
        end = self._decode_cursor(options.get("endCursor"), tag)
        if after is _END_FLAG:
            return {"page": [], "isDone": True, "continueCursor": self._cursor(tag, None)}
        last = after or None  # b"": the start, as the cursor of an empty first page says
        if num == 0:  # nothing read: the next page starts where this one did
            return {"page": [], "isDone": False, "continueCursor": self._cursor(tag, last or b"")}
        page: list[Document] = []
        descending = self._order == "desc"
        for key, doc in self._documents(last):
            if (
                isinstance(end, bytes)
                and end is not _END_FLAG
                and (key < end if descending else key > end)
            ):
                return {"page": page, "isDone": False, "continueCursor": self._cursor(tag, end)}
            page.append(doc)
            last = key
            if len(page) >= num and end is None:
                return {"page": page, "isDone": False, "continueCursor": self._cursor(tag, key)}
        if isinstance(end, bytes) and end is not _END_FLAG:
            return {"page": page, "isDone": False, "continueCursor": self._cursor(tag, end)}
        return {"page": page, "isDone": True, "continueCursor": self._cursor(tag, None)}

    @staticmethod
    def _cursor(tag: bytes, key: bytes | None) -> str:
        body = _END_FLAG + tag if key is None else _KEY_FLAG + tag + key
        return base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")

    def _decode_cursor(self, cursor: Any, tag: bytes) -> bytes | None:
        if cursor is None:
            return None
        if not isinstance(cursor, str):
            raise TypeError(f"paginate(): a cursor is a str or None, got {cursor!r}")
        try:
            body = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, binascii.Error):
            raise ValueError(f"paginate(): invalid cursor {cursor!r}") from None
        if len(body) < 5 or body[:1] not in (_END_FLAG, _KEY_FLAG):
            raise ValueError(f"paginate(): invalid cursor {cursor!r}")
        if body[1:5] != tag:
            raise ValueError(
                "paginate(): InvalidCursor: this cursor belongs to another query (cursors can "
                "only be passed to exactly the query that returned them)"
            )
        return _END_FLAG if body[:1] == _END_FLAG else body[5:]


# --- what functions see as ctx.db ------------------------------------------------------


class _SystemReader:
    """``ctx.db.system``: read the system tables ``_storage`` and ``_scheduled_functions``."""

    def __init__(self, session: Session) -> None:
        self._session = session.derive(system=True)

    def get(self, *args: Any) -> Document | None:
        table, doc_id = _get_args(args, "db.system.get")
        if table is not None and table not in SYSTEM_TABLES:
            raise ValueError(f"db.system.get: {table!r} is not a system table")
        resolved, name = self._session.resolve_id(doc_id, "db.system.get", table)
        if not name.startswith("_"):
            raise ValueError(f"db.system.get: {resolved} is a document of {name!r}: use db.get")
        doc = self._session.get(resolved)
        return None if doc is None else public_system_document(doc)

    def query(self, table: str) -> Query:
        if table not in SYSTEM_TABLES:
            raise ValueError(
                f"db.system.query: {table!r} is not a system table "
                f"({', '.join(sorted(SYSTEM_TABLES))})"
            )
        return Query(self._session, table, present=public_system_document)

    def normalize_id(self, table: str, doc_id: Any) -> str | None:
        return _normalize(self._session, table, doc_id)

    normalizeId = normalize_id


def public_system_document(doc: Document) -> Document:
    """A system document as users see it: without the fields only the system reads."""
    return {k: v for k, v in doc.items() if not k.startswith("_") or k in SYSTEM_FIELDS}


def _get_args(args: tuple[Any, ...], what: str) -> tuple[str | None, Any]:
    if len(args) == 1:
        return None, args[0]
    if len(args) == 2:
        return args[0], args[1]
    raise TypeError(f"{what}() takes (id) or (table, id), got {len(args)} arguments")


def _document(doc_id: str, creation_time: float, stored: Any) -> Document:
    """A document as functions see it, from what the store holds."""
    return {"_id": doc_id, "_creationTime": creation_time, **loads_stored(stored)}


def scanned_document(row: ScannedDocument) -> Document:
    """The document a scan row holds (no second read of it)."""
    return _document(row.id, row.creation_time, row.value)


def _normalize(session: Session, table: str, doc_id: Any) -> str | None:
    number = table_number_of(doc_id)
    if number is None:
        return None
    return doc_id if session.view.names.get(number) == table else None


class DatabaseReader:
    """``ctx.db`` in a query: ``get``, ``query``, ``normalize_id``, ``system``."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, *args: Any) -> Document | None:
        """``get(id)`` or ``get(table, id)``: the document, or None when it does not exist."""
        table, doc_id = _get_args(args, "db.get")
        if table is not None:
            check_table_name(table)
        resolved, _ = self._session.resolve_id(doc_id, "db.get", table)
        return self._session.get(resolved)

    def query(self, table: str) -> Query:
        if isinstance(table, str) and table.startswith("_") and table in SYSTEM_TABLES:
            raise ValueError(f"{table} is a system table: read it with ctx.db.system.query")
        check_table_name(table)
        return Query(self._session, table)

    def normalize_id(self, table: str, doc_id: Any) -> str | None:
        """``doc_id`` when it is an id of ``table``, else None."""
        check_table_name(table)
        return _normalize(self._session, table, doc_id)

    @property
    def system(self) -> _SystemReader:
        return _SystemReader(self._session)

    @staticmethod
    def _no_write(what: str) -> ReadOnlyError:
        return ReadOnlyError(
            f"ctx.db.{what} is not available in a query: queries read one snapshot and "
            "cannot write. Use a mutation (ctx.run_mutation from an action)."
        )

    def insert(self, table: str, document: Any) -> str:
        raise self._no_write("insert")

    def patch(self, *args: Any) -> None:
        raise self._no_write("patch")

    def replace(self, *args: Any) -> None:
        raise self._no_write("replace")

    def delete(self, *args: Any) -> None:
        raise self._no_write("delete")

    normalizeId = normalize_id


class DatabaseWriter(DatabaseReader):
    """``ctx.db`` in a mutation: the reader, plus ``insert``, ``patch``, ``replace``, ``delete``."""

    def insert(self, table: str, document: Any) -> str:
        """Add a document; returns its new ``_id``."""
        return self._session.insert(table, document)

    def patch(self, *args: Any) -> None:
        """``patch(id, fields)``: shallow-merge ``fields`` (``UNSET`` removes a field)."""
        table, doc_id, fields = _write_args(args, "db.patch")
        self._session.patch(doc_id, fields, table)

    def replace(self, *args: Any) -> None:
        """``replace(id, document)``: the document's fields become exactly ``document``."""
        table, doc_id, fields = _write_args(args, "db.replace")
        self._session.replace(doc_id, fields, table)

    def delete(self, *args: Any) -> None:
        table, doc_id = _get_args(args, "db.delete")
        self._session.delete(doc_id, table)


def _write_args(args: tuple[Any, ...], what: str) -> tuple[str | None, Any, Any]:
    if len(args) == 2:
        return None, args[0], args[1]
    if len(args) == 3:
        return args[0], args[1], args[2]
    raise TypeError(f"{what}() takes (id, value) or (table, id, value), got {len(args)} arguments")
