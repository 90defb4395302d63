"""``define_schema`` / ``define_table``: the shape of an app's tables and their indexes.

``convex/schema.py``::

    schema = define_schema({
        "messages": define_table({"author": v.string(), "body": v.string()})
            .index("by_author", ["author"]),
    })

With a schema every write is validated against its table, and the declared
indexes exist (built when they appear, dropped when they go). Every table also
has the built-in ``by_id`` and ``by_creation_time`` indexes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from .validators import ObjectValidator, Validator, _Union

__all__ = [
    "BUILTIN_INDEXES",
    "Schema",
    "TableDefinition",
    "check_table_name",
    "define_schema",
    "define_table",
]

BY_ID: Final = "by_id"
BY_CREATION_TIME: Final = "by_creation_time"
BUILTIN_INDEXES: Final = {BY_ID: ("_id",), BY_CREATION_TIME: ("_creationTime",)}
_IDENT: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_FIELD_PART: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_INDEX_FIELDS: Final = 16


def check_table_name(name: object, *, system: bool = False) -> str:
    """``name`` when it can name a table; a ``ValueError`` saying why otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"a table name must be a str, got {name!r}")
    if system:
        if name.startswith("_") and _IDENT.match(name[1:]):
            return name
    elif _IDENT.match(name):
        return name
    raise ValueError(
        f"invalid table name {name!r}: use letters, digits and underscores, starting with a "
        "letter (names starting with '_' are the system's)"
    )


class TableDefinition:
    """A table of a schema: its document validator and its indexes."""

    def __init__(self, document: Validator | Mapping[str, Validator]) -> None:
        if isinstance(document, Mapping):
            document = ObjectValidator(document)
        if not _is_document_validator(document):
            raise TypeError(
                "define_table() takes a dict of validators, v.object(...) or a v.union of "
                f"v.object(...), got {document!r}"
            )
        for field in _top_fields(document):
            if field.startswith("_"):
                raise ValueError(
                    f"define_table(): field {field!r} starts with '_': those are the system's"
                )
        self.document = document
        self.indexes: dict[str, tuple[str, ...]] = {}

    def index(self, name: str, fields: Sequence[str] | Mapping[str, Any]) -> TableDefinition:
        """Declare an index (returns the table, so calls chain)."""
        if isinstance(fields, Mapping):  # Convex's newer {fields: [...]} form
            fields = fields.get("fields", ())
        if isinstance(fields, str) or not isinstance(fields, Sequence):
            raise TypeError(f"index {name!r}: fields must be a list of field names, got {fields!r}")
        if not isinstance(name, str) or not _IDENT.match(name):
            raise ValueError(f"invalid index name {name!r}: letters, digits and underscores")
        if name in BUILTIN_INDEXES:
            raise ValueError(f"index name {name!r} is reserved for the built-in index")
        if name in self.indexes:
            raise ValueError(f"index {name!r} is declared twice")
        if not fields:
            raise ValueError(f"index {name!r} needs at least one field")
        if len(fields) > MAX_INDEX_FIELDS:
            raise ValueError(f"index {name!r} has more than {MAX_INDEX_FIELDS} fields")
        seen: set[str] = set()
        for field in fields:
            if not isinstance(field, str) or not all(
                _FIELD_PART.match(p) for p in field.split(".")
            ):
                raise ValueError(f"index {name!r}: invalid field path {field!r}")
            if field in ("_id", "_creationTime"):
                raise ValueError(
                    f"index {name!r}: {field} is added to every index at the end; do not list it"
                )
            if field in seen:
                raise ValueError(f"index {name!r} lists field {field!r} twice")
            seen.add(field)
        self.indexes[name] = tuple(fields)
        return self

    def search_index(self, name: str, config: Any) -> TableDefinition:
        raise NotImplementedError(
            f"search index {name!r}: convexhttp has no full-text search indexes; "
            "use a regular index and filter"
        )

    def vector_index(self, name: str, config: Any) -> TableDefinition:
        raise NotImplementedError(f"vector index {name!r}: convexhttp has no vector indexes")

    searchIndex = search_index
    vectorIndex = vector_index


def _is_document_validator(validator: Validator) -> bool:
    if isinstance(validator, ObjectValidator):
        return True
    if isinstance(validator, _Union):
        return all(_is_document_validator(m) for m in validator.members)
    return validator.kind == "any"


def _top_fields(validator: Validator) -> list[str]:
    if isinstance(validator, ObjectValidator):
        return list(validator.fields)
    if isinstance(validator, _Union):
        return [f for m in validator.members for f in _top_fields(m)]
    return []


class Schema:
    """The tables of an app. ``schema_validation=False`` keeps the indexes but skips
    validating writes; ``strict_table_name_types=False`` lets code write tables the
    schema does not declare."""

    def __init__(
        self,
        tables: Mapping[str, TableDefinition],
        *,
        schema_validation: bool = True,
        strict_table_name_types: bool = True,
    ) -> None:
        if not isinstance(tables, Mapping):
            raise TypeError(f"define_schema() takes a dict of tables, got {tables!r}")
        for name, table in tables.items():
            check_table_name(name)
            if not isinstance(table, TableDefinition):
                raise TypeError(f"table {name!r}: expected define_table(...), got {table!r}")
        self.tables: dict[str, TableDefinition] = dict(tables)
        self.schema_validation = schema_validation
        self.strict_table_name_types = strict_table_name_types

    def fingerprint(self) -> str:
        """Changes whenever the indexes or validators change."""
        description = {
            "tables": {
                name: {"document": t.document.to_json(), "indexes": t.indexes}
                for name, t in sorted(self.tables.items())
            },
            "validation": self.schema_validation,
            "strict": self.strict_table_name_types,
        }
        text = json.dumps(description, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def define_table(document: Validator | Mapping[str, Validator]) -> TableDefinition:
    """A table whose documents match ``document`` (a dict of validators or ``v.object``)."""
    return TableDefinition(document)


def define_schema(
    tables: Mapping[str, TableDefinition],
    *,
    schema_validation: bool = True,
    strict_table_name_types: bool = True,
) -> Schema:
    """An app's schema: ``define_schema({"messages": define_table({...}).index(...)})``."""
    return Schema(
        tables,
        schema_validation=schema_validation,
        strict_table_name_types=strict_table_name_types,
    )
