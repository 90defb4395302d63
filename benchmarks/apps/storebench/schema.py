"""One table of chat messages with ten fields, and an index by channel."""

from convexhttp import define_schema, define_table, v

# The fields, shared by the table and the mutation's argument validator (as Convex apps do).
MESSAGE = {
    "channel": v.string(),
    "author": v.string(),
    "body": v.string(),
    "format": v.string(),
    "client_id": v.string(),
    "sent_at": v.float64(),
    "edited": v.boolean(),
    "pinned": v.boolean(),
    "reply_count": v.int64(),
    "score": v.float64(),
}

schema = define_schema(
    {"messages": define_table(MESSAGE).index("by_channel", ["channel"])},
)
