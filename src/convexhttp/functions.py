"""Queries, mutations and actions: how they are declared, named and found.

An app's functions live in one package, as a Convex app's live in ``convex/``.
Every module-level object that ``query``, ``mutation``, ``action`` or their
``internal_`` forms made is a function named ``"<module path>:<attribute>"``:
``convex/billing/stripe.py``'s ``handle`` is ``"billing/stripe:handle"``.
``api.billing.stripe.handle`` (or ``internal...``) and the plain string name it.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
import pkgutil
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Final, Literal, overload

from .validators import ObjectValidator, Validator, as_args_validator

__all__ = [
    "FunctionNotFound",
    "FunctionReference",
    "Functions",
    "RegisteredFunction",
    "action",
    "api",
    "function_name",
    "internal",
    "internal_action",
    "internal_mutation",
    "internal_query",
    "mutation",
    "query",
]

logger = logging.getLogger("convexhttp")

Kind = Literal["query", "mutation", "action"]
Handler = Callable[..., Any]


class FunctionNotFound(LookupError):
    """A reference that names no registered function."""

    def __init__(self, name: str, candidates: list[str], *, public_only: bool = False) -> None:
        self.name = name
        what = "public function" if public_only else "function"
        message = f"Could not find {what} for '{name}'."
        if candidates:
            message += " Did you mean " + " or ".join(f"'{c}'" for c in candidates) + "?"
        super().__init__(message)


class RegisteredFunction:
    """A query, mutation or action: its handler, validators, kind and visibility.

    Calling it directly runs the plain Python function (with a warning, as
    Convex warns): use ``ctx.run_query`` and friends to run it as a function.
    """

    def __init__(
        self,
        kind: Kind,
        visibility: Literal["public", "internal"],
        handler: Handler,
        args: ObjectValidator | None,
        returns: Validator | None,
        defined_in: str | None = None,
    ) -> None:
        self.kind = kind
        self.visibility = visibility
        self.handler = handler
        self.args = args
        self.returns = returns
        # Validated args are fresh containers: a mutation run again after losing a race
        # needs no copy of its own (else it gets one per attempt).
        self.args_need_copy = args is None or not args.copies()
        self.is_async = inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
            getattr(handler, "__call__", None)  # noqa: B004 - an object with an async __call__
        )
        self.name: str | None = None  # "module:attr", set when its package is loaded
        self.defined_in = defined_in or getattr(handler, "__module__", None)
        self.__wrapped__ = handler
        self.__module__ = getattr(handler, "__module__", None) or "?"
        self.__name__ = getattr(handler, "__name__", None) or type(handler).__name__
        self.__qualname__ = getattr(handler, "__qualname__", self.__name__)
        self.__doc__ = getattr(handler, "__doc__", None)

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"

    def __call__(self, ctx: Any, args: Any = None) -> Any:
        logger.warning(
            "%s %s called directly: it runs as plain Python, without validation or its own "
            "transaction. Use ctx.run_%s(...) to run it as a function.",
            self.kind,
            self.name or self.__qualname__,
            self.kind,
        )
        return self.handler(ctx, {} if args is None else args)

    def __repr__(self) -> str:
        name = self.name or f"{self.__module__}.{self.__qualname__}"
        prefix = "internal_" if self.visibility == "internal" else ""
        return f"<{prefix}{self.kind} {name}>"


def _make(
    kind: Kind,
    visibility: Literal["public", "internal"],
    fn: Any,
    args: Any,
    returns: Any,
    handler: Any,
) -> Any:
    label = f"{'internal_' if visibility == 'internal' else ''}{kind}"
    if isinstance(fn, Mapping):  # Convex's object form: query({"args": ..., "handler": fn})
        unknown = set(fn) - {"args", "returns", "handler"}
        if unknown:
            raise TypeError(f"{label}(): unknown keys {sorted(unknown)}")
        return _make(kind, visibility, None, fn.get("args"), fn.get("returns"), fn.get("handler"))
    if fn is not None and handler is not None:
        raise TypeError(f"{label}(): pass the function or handler=, not both")
    fn = fn if fn is not None else handler
    args_validator = None if args is None else as_args_validator(args, f"{label}()")
    returns_validator = None
    if returns is not None:
        if isinstance(returns, Mapping):
            returns = as_args_validator(returns, f"{label}() returns=")
        if not isinstance(returns, Validator):
            raise TypeError(f"{label}(): returns= must be a validator, got {returns!r}")
        returns_validator = returns

    def wrap(handler_fn: Handler) -> RegisteredFunction:
        if isinstance(handler_fn, RegisteredFunction):
            raise TypeError(f"{label}(): {handler_fn!r} is already a function")
        if not callable(handler_fn):
            raise TypeError(f"{label}() expects a function (ctx, args), got {handler_fn!r}")
        return RegisteredFunction(
            kind, visibility, handler_fn, args_validator, returns_validator, _caller_module()
        )

    return wrap(fn) if fn is not None else wrap


def _caller_module() -> str | None:
    """The module whose code declared the function (the first frame outside this file)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back  # type: ignore[assignment]
    return None if frame is None else frame.f_globals.get("__name__")


class Declare:
    """``query``, ``mutation``, ``action`` and their ``internal_`` forms: ``@query``,
    ``@query(args={...}, returns=...)``, ``query(args=..., handler=fn)`` or Convex's
    ``query({"args": ..., "handler": fn})``."""

    def __init__(self, kind: Kind, visibility: Literal["public", "internal"]) -> None:
        self.kind: Kind = kind
        self.visibility: Literal["public", "internal"] = visibility
        self.__name__ = self.__qualname__ = (
            f"{'internal_' if visibility == 'internal' else ''}{kind}"
        )

    @overload
    def __call__(self, fn: Handler | Mapping[str, Any], /) -> RegisteredFunction: ...
    @overload
    def __call__(
        self, fn: None = None, /, *, args: Any = None, returns: Any = None, handler: Handler
    ) -> RegisteredFunction: ...
    @overload
    def __call__(
        self, fn: None = None, /, *, args: Any = None, returns: Any = None
    ) -> Callable[[Handler], RegisteredFunction]: ...

    def __call__(
        self, fn: Any = None, /, *, args: Any = None, returns: Any = None, handler: Any = None
    ) -> Any:
        return _make(self.kind, self.visibility, fn, args, returns, handler)

    def __repr__(self) -> str:
        return f"convexhttp.{self.__name__}"


query: Final = Declare("query", "public")
mutation: Final = Declare("mutation", "public")
action: Final = Declare("action", "public")
internal_query: Final = Declare("query", "internal")
internal_mutation: Final = Declare("mutation", "internal")
internal_action: Final = Declare("action", "internal")


# --- references ----------------------------------------------------------------------


class FunctionReference:
    """``api.messages.send_one``: names ``"messages:send_one"`` (the last part is the
    function, the parts before it the module path)."""

    __slots__ = ("_parts", "_root")

    def __init__(self, root: str, parts: tuple[str, ...]) -> None:
        self._root = root
        self._parts = parts

    def __getattr__(self, name: str) -> FunctionReference:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return FunctionReference(self._root, (*self._parts, name))

    @property
    def function_name(self) -> str:
        parts = self._parts
        if len(parts) < 2:
            raise ValueError(
                f"{self!r} names a module, not a function: add the function's name "
                f"(e.g. {self._root}.{'.'.join(parts) or 'messages'}.send)"
            )
        return "/".join(parts[:-1]) + ":" + parts[-1]

    def __repr__(self) -> str:
        return ".".join((self._root, *self._parts))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FunctionReference) and other._parts == self._parts

    def __hash__(self) -> int:
        return hash(self._parts)


api: Final = FunctionReference("api", ())
internal: Final = FunctionReference("internal", ())

_NAME: Final = re.compile(r"^(?:[A-Za-z0-9_\-.]+/)*[A-Za-z0-9_\-.]+:[A-Za-z_][A-Za-z0-9_]*$")


def function_name(ref: object) -> str:
    """The ``"module/path:name"`` a reference names (a string, an ``api`` path, or a
    registered function object)."""
    if isinstance(ref, str):
        name = ref
        if ":" not in name:
            name += ":default"  # Convex's shorthand for a module's default export
        module, _, fn = name.rpartition(":")
        for ext in (".py", ".js", ".ts"):
            if module.endswith(ext):
                module = module[: -len(ext)]
        return f"{module}:{fn}"
    if isinstance(ref, FunctionReference):
        return ref.function_name
    if isinstance(ref, RegisteredFunction):
        if ref.name is None:
            raise FunctionNotFound(
                f"{ref.__module__}.{ref.__qualname__}",
                [],
            )
        return ref.name
    raise TypeError(
        f"expected a function reference (api.module.fn, internal.module.fn or "
        f"'module:fn'), got {ref!r}"
    )


_WORD_BREAK: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _snake(name: str) -> str:
    """``sendOne`` -> ``send_one``, ``getHTTPStatus`` -> ``get_http_status``."""
    return _WORD_BREAK.sub("_", name).lower()


# --- the registry ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    name: str
    kind: Kind
    visibility: str


class Functions:
    """The registered functions of one app, by name."""

    def __init__(self, by_name: Mapping[str, RegisteredFunction] | None = None) -> None:
        self._by_name: dict[str, RegisteredFunction] = dict(by_name or {})
        self.modules: dict[str, ModuleType] = {}  # module path -> module

    def __len__(self) -> int:
        return len(self._by_name)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._by_name))

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def items(self) -> list[tuple[str, RegisteredFunction]]:
        return sorted(self._by_name.items())

    def add(self, name: str, fn: RegisteredFunction) -> None:
        if not _NAME.match(name):
            raise ValueError(f"invalid function name {name!r}")
        existing = self._by_name.get(name)
        if existing is not None and existing is not fn:
            raise ValueError(f"two functions are named {name!r}: {existing!r} and {fn!r}")
        self._by_name[name] = fn
        if fn.name is None:
            fn.name = name

    def resolve(self, ref: object, *, public_only: bool = False) -> RegisteredFunction:
        """The function ``ref`` names; ``FunctionNotFound`` naming it and the closest names."""
        if (
            isinstance(ref, RegisteredFunction)
            and ref.name in self._by_name
            and (ref.is_public or not public_only)
        ):
            return ref
        name = function_name(ref)
        fn = self._by_name.get(name)
        if fn is None:  # "userProfiles:sendOne" from ported code finds user_profiles:send_one
            module, _, attr = name.rpartition(":")
            snake_module = "/".join(_snake(part) for part in module.split("/"))
            fn = self._by_name.get(f"{module}:{_snake(attr)}") or self._by_name.get(
                f"{snake_module}:{_snake(attr)}"
            )
        if fn is None or (public_only and not fn.is_public):
            names = [n for n, f in self._by_name.items() if f.is_public or not public_only]
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
            raise FunctionNotFound(name, close, public_only=public_only)
        return fn

    @classmethod
    def load(cls, package: str | ModuleType) -> Functions:
        """Import every module of ``package`` (or the one module) and register its functions."""
        functions = cls()
        root = importlib.import_module(package) if isinstance(package, str) else package
        modules: list[ModuleType] = []
        if hasattr(root, "__path__"):
            current = root.__name__

            def failed(name: str) -> None:
                raise  # walk_packages calls this inside its except block: re-raise as is

            try:
                for info in pkgutil.walk_packages(
                    root.__path__, prefix=root.__name__ + ".", onerror=failed
                ):
                    current = info.name
                    leaf = info.name.rpartition(".")[2]
                    if leaf.startswith("_") or leaf.startswith("test_") or leaf.endswith("_test"):
                        continue
                    modules.append(importlib.import_module(info.name))
            except Exception as exc:
                raise ImportError(
                    f"loading the functions of package {root.__name__!r} (every module in it "
                    f"is imported), {current!r} failed: {type(exc).__name__}: {exc}. If the "
                    "app's functions live elsewhere, name their package with functions=... "
                    "(--functions)"
                ) from exc
        else:
            modules.append(root)
        base = root.__name__ + "." if hasattr(root, "__path__") else ""
        for module in modules:
            if base:
                path = module.__name__[len(base) :].replace(".", "/")
            else:
                path = module.__name__.rpartition(".")[2]
            functions.modules[path] = module
            for attr, obj in vars(module).items():
                # Registered where it is defined, not wherever it is imported.
                # type(), not isinstance(): a lazy object (Django's settings) would load itself.
                if issubclass(type(obj), RegisteredFunction) and obj.defined_in == module.__name__:
                    functions.add(f"{path}:{attr}", obj)
        return functions

    def module(self, path: str) -> ModuleType | None:
        """The package's module at ``path`` (``"schema"``, ``"auth_config"``), if it has one."""
        return self.modules.get(path)

    def describe(self) -> list[FunctionInfo]:
        return [FunctionInfo(n, f.kind, f.visibility) for n, f in self.items()]


def defining_package(module_name: str | None) -> str | None:
    """The package that holds ``module_name``, or the module itself when it is top-level."""
    if not module_name or module_name == "__main__":
        return None
    module = sys.modules.get(module_name)
    if module is not None and hasattr(module, "__path__"):
        return module_name
    parent = module_name.rpartition(".")[0]
    return parent or module_name
