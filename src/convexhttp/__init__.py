"""convexhttp: Convex's HTTP actions and functions for WSGI, gunicorn, Flask and Django."""

from .action import http_action
from .auth import AuthConfigError, Authenticator, UserIdentity
from .cors import cors_router, corsRouter
from .crons import Crons, cron_jobs
from .db import DatabaseReader, DatabaseWriter, ReadOnlyError
from .deployment import Deployment, Options
from .dispatch import DEFAULT_MAX_BODY_SIZE, Dispatcher
from .fetch import (
    URL,
    AsyncRequest,
    Blob,
    FormData,
    Headers,
    Request,
    Response,
    URLSearchParams,
)
from .functions import (
    FunctionNotFound,
    FunctionReference,
    RegisteredFunction,
    action,
    api,
    internal,
    internal_action,
    internal_mutation,
    internal_query,
    mutation,
    query,
)
from .paths import PathSyntaxError
from .router import HttpRouter, http_router
from .runtime import (
    ActionCtx,
    AsyncActionCtx,
    AsyncMutationCtx,
    AsyncQueryCtx,
    MutationCtx,
    QueryCtx,
)
from .schema import Schema, define_schema, define_table
from .validators import (
    ArgumentValidationError,
    ReturnsValidationError,
    SchemaValidationError,
    ValidationError,
    v,
)
from .values import UNSET, ConvexError

#: ``args={"paginationOpts": pagination_opts_validator}`` for a paginated query.
pagination_opts_validator = v.object(
    {
        "numItems": v.number(),
        "cursor": v.union(v.string(), v.null()),
        "endCursor": v.optional(v.union(v.string(), v.null())),
        "id": v.optional(v.number()),
        "maximumRowsRead": v.optional(v.number()),
        "maximumBytesRead": v.optional(v.number()),
    }
)

# Convex's spellings, for ported code: the same objects.
httpRouter = http_router
httpAction = http_action
internalQuery = internal_query
internalMutation = internal_mutation
internalAction = internal_action
cronJobs = cron_jobs
defineSchema = define_schema
defineTable = define_table
paginationOptsValidator = pagination_opts_validator

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "UNSET",
    "URL",
    "ActionCtx",
    "ArgumentValidationError",
    "AsyncActionCtx",
    "AsyncMutationCtx",
    "AsyncQueryCtx",
    "AsyncRequest",
    "AuthConfigError",
    "Authenticator",
    "Blob",
    "ConvexError",
    "Crons",
    "DatabaseReader",
    "DatabaseWriter",
    "Deployment",
    "Dispatcher",
    "FormData",
    "FunctionNotFound",
    "FunctionReference",
    "Headers",
    "HttpRouter",
    "MutationCtx",
    "Options",
    "PathSyntaxError",
    "QueryCtx",
    "ReadOnlyError",
    "RegisteredFunction",
    "Request",
    "Response",
    "ReturnsValidationError",
    "Schema",
    "SchemaValidationError",
    "URLSearchParams",
    "UserIdentity",
    "ValidationError",
    "action",
    "api",
    "corsRouter",
    "cors_router",
    "cronJobs",
    "cron_jobs",
    "defineSchema",
    "defineTable",
    "define_schema",
    "define_table",
    "httpAction",
    "httpRouter",
    "http_action",
    "http_router",
    "internal",
    "internalAction",
    "internalMutation",
    "internalQuery",
    "internal_action",
    "internal_mutation",
    "internal_query",
    "mutation",
    "paginationOptsValidator",
    "pagination_opts_validator",
    "query",
    "v",
]
