"""Private to the package: never scanned for functions."""

from __future__ import annotations

from convexhttp import query

hidden = query(lambda ctx, args: None)
