from convexhttp import define_schema, define_table, v

schema = define_schema(
    {
        "runs": define_table({"tag": v.string(), "n": v.int64(), "pid": v.int64()}).index(
            "by_tag", ["tag"]
        ),
        "ticks": define_table({"pid": v.int64(), "at": v.float64()}),
    }
)
