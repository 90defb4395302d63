from convexhttp import define_schema, define_table, v

schema = define_schema(
    {
        "messages": define_table({"body": v.string(), "author": v.string()}).index(
            "by_author", ["author"]
        ),
        "counters": define_table({"name": v.string(), "n": v.int64()}).index("by_name", ["name"]),
        "batches": define_table({"batch": v.string(), "i": v.int64()}).index("by_batch", ["batch"]),
    }
)
