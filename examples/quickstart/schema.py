"""The quickstart's tables (Convex's ``convex/schema.ts``)."""

from convexhttp import define_schema, define_table, v

schema = define_schema(
    {
        "messages": define_table({"body": v.string(), "author": v.string()}).index(
            "by_author", ["author"]
        ),
    }
)
