from convexhttp import define_schema, define_table, v

schema = define_schema(
    {
        "items": define_table({"n": v.int64()}),
        "counters": define_table({"name": v.string(), "n": v.int64()}).index("by_name", ["name"]),
    }
)
