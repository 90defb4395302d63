"""Tables of the data tests. Tables not listed here are schemaless (created on first insert)."""

from __future__ import annotations

from convexhttp import define_schema, define_table, v

schema = define_schema(
    {
        "messages": define_table(
            {"author": v.string(), "body": v.string(), "likes": v.optional(v.number())}
        ).index("by_author", ["author"]),
        "counts": define_table(
            {
                "n": v.int64(),
                "x": v.number(),
                "y": v.optional(v.nullable(v.number())),
                "o": v.optional(v.object({"z": v.number()})),
            }
        )
        .index("by_x", ["x"])
        .index("by_y", ["y"])
        .index("by_z", ["o.z"]),
        # Any document: the index-range property test stores mixed value types here.
        "mixed": define_table(v.any()).index("by_a", ["a"]).index("by_a_b", ["a", "b"]),
    },
    strict_table_name_types=False,
)
