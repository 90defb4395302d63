from convexhttp import define_schema, define_table, v

schema = define_schema(
    {
        "starts": define_table(
            {"batch": v.string(), "due": v.float64(), "started": v.float64(), "pid": v.int64()}
        ).index("by_batch", ["batch"])
    }
)
