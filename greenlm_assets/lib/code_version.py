"""The code a function runs: its source and the source of everything of the project it uses, transitively.

A chart's fingerprint covers its draw function and the helpers that function calls, not whole modules: editing one
chart's drawing redraws that chart only, and editing a shared helper redraws exactly the charts that call it.

From a root function, :func:`source_closure` follows every global name its code (nested lambdas, comprehensions
and inner functions included) refers to, and the attributes it reads of a project module (``plotting.STYLE``):

- a project function: its source, then what it refers to (closure cells and plain default values included);
- a project class: its source, its bases and what its methods refer to;
- a module-level constant: the source of the statement(s) that assign it in its module (followed through
  ``from x import NAME``), then the names that statement uses (``GRID_RUNS = GPU_RUNS + ...`` brings ``GPU_RUNS``);
- anything outside the project (numpy, matplotlib, the standard library): nothing; their versions are the locks'.

Only source text is hashed, never ``repr`` of an arbitrary object (it may hold a memory address), so the result is
the same in every process and on every machine.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass, field

PROJECT_PACKAGES = ("greenlm_assets",)
PLAIN = (str, bytes, int, float, complex, bool, type(None))


def source_closure(roots: Iterable[object], packages: tuple[str, ...] = PROJECT_PACKAGES) -> str:
    """The source of each root and of every function, class and constant of ``packages`` it uses, transitively;
    each piece once, headed by its module and name, sorted (so the order of the roots does not matter)."""
    walker = _Walker(packages)
    for root in roots:
        walker.add_object(root)
    return "".join(
        f"# {module}: {name}\n{text}\n" for (module, name, _), text in sorted(walker.found.items())
    )


def plain_repr(value: object) -> str | None:
    """``repr`` of numbers, strings and containers of them (sets sorted); None for anything else."""
    if isinstance(value, PLAIN):
        return repr(value)
    if isinstance(value, tuple | list):
        items = [plain_repr(v) for v in value]
        return None if None in items else f"{type(value).__name__}({', '.join(items)})"
    if isinstance(value, set | frozenset):
        items = [plain_repr(v) for v in value]
        return None if None in items else f"{type(value).__name__}({', '.join(sorted(items))})"  # type: ignore[arg-type]
    if isinstance(value, dict):
        pairs = [(plain_repr(k), plain_repr(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    return None


def code_names(code: types.CodeType) -> set[str]:
    """Global and attribute names used by ``code`` and by the code objects nested in it (lambdas, comprehensions,
    inner functions)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= code_names(const)
    return names


@dataclass
class _Statements:
    """A module's top-level definitions, assignments and ``from x import`` lines, by the name they bind."""

    lines: list[str]
    defined: dict[str, tuple[int, int]] = field(
        default_factory=dict
    )  # def/class name -> (first line, last line)
    assigned: dict[str, list[ast.stmt]] = field(default_factory=dict)
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (module, name there)

    def text(self, first: int, last: int) -> str:
        return "".join(self.lines[first - 1 : last])


@dataclass
class _Walker:
    packages: tuple[str, ...]
    found: dict[tuple[str, str, int], str] = field(default_factory=dict)
    seen: set[object] = field(default_factory=set)
    statements: dict[str, _Statements | None] = field(default_factory=dict)

    def ours(self, module_name: str | None) -> bool:
        return bool(module_name) and any(
            module_name == p or module_name.startswith(p + ".")
            for p in self.packages  # type: ignore[union-attr]
        )

    def add_object(self, obj: object) -> None:
        if isinstance(obj, types.MethodType | staticmethod | classmethod):
            obj = obj.__func__
        if isinstance(obj, property):
            for accessor in (obj.fget, obj.fset, obj.fdel):
                if accessor is not None:
                    self.add_object(accessor)
            return
        if isinstance(obj, types.FunctionType):
            self.add_function(inspect.unwrap(obj))
        elif inspect.isclass(obj):
            self.add_class(obj)

    def add_function(self, func: types.FunctionType, *, with_source: bool = True) -> None:
        if not self.ours(func.__module__) or ("function", func.__code__) in self.seen:
            return
        self.seen.add(("function", func.__code__))
        if with_source:
            self.found[(func.__module__, func.__qualname__, func.__code__.co_firstlineno)] = self.source(func)
        names = code_names(func.__code__)
        for name in names:
            if name in func.__globals__:
                self.add_global(func.__globals__, func.__module__, name, names)
        for name, cell in zip(func.__code__.co_freevars, func.__closure__ or (), strict=False):
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            self.add_value(value, f"{func.__qualname__} closure {name}", func.__module__, func.__code__)
        defaults = (*(func.__defaults__ or ()), *(func.__kwdefaults__ or {}).values())
        for i, value in enumerate(defaults):
            self.add_value(value, f"{func.__qualname__} default {i}", func.__module__, func.__code__)

    def add_value(self, value: object, label: str, module_name: str, owner: types.CodeType) -> None:
        """A value bound to a function (closure cell, default): followed if code, else its plain repr."""
        if isinstance(
            value, types.FunctionType | type | types.MethodType | property | staticmethod | classmethod
        ):
            self.add_object(value)
        elif (text := plain_repr(value)) is not None:
            self.found[(module_name, label, owner.co_firstlineno)] = text

    def add_class(self, cls: type) -> None:
        if not self.ours(cls.__module__) or ("class", cls) in self.seen:
            return
        self.seen.add(("class", cls))
        self.found[(cls.__module__, cls.__qualname__, 0)] = self.source(cls)
        for base in cls.__bases__:
            self.add_object(base)
        for member in vars(cls).values():
            inner = member.__func__ if isinstance(member, staticmethod | classmethod) else member
            if isinstance(inner, types.FunctionType) and inner.__code__.co_filename == _file_of(cls):
                self.add_function(inner, with_source=False)  # its source is the class's
            elif isinstance(inner, property):
                self.add_object(inner)

    def add_global(self, namespace: dict, module_name: str, name: str, attrs: set[str]) -> None:
        """``name`` as the code of ``module_name`` sees it; ``attrs``: the attribute names that code reads."""
        if name.startswith("__") and name.endswith("__"):  # __file__, __name__: where it runs, not what it is
            return
        value = namespace[name]
        if callable(value) and hasattr(value, "__wrapped__"):  # functools.cache, wraps: the function inside
            value = inspect.unwrap(value)
        if isinstance(value, types.ModuleType):
            if self.ours(value.__name__):
                members = vars(value)
                for attr in sorted(attrs & members.keys()):
                    self.add_global(members, value.__name__, attr, set())
        elif isinstance(value, types.FunctionType | type):
            self.add_object(value)
        else:
            self.add_constant(module_name, name, value)

    def add_constant(self, module_name: str, name: str, value: object) -> None:
        if not self.ours(module_name) or ("constant", module_name, name) in self.seen:
            return
        self.seen.add(("constant", module_name, name))
        found = self.module_statements(module_name)
        if found and name in found.imported:
            source_module, source_name = found.imported[name]
            self.add_constant(source_module, source_name, value)
        elif found and name in found.assigned:
            stmts = found.assigned[name]
            self.found[(module_name, name, 0)] = "".join(
                found.text(s.lineno, s.end_lineno or s.lineno) for s in stmts
            )
            used = {n.id for s in stmts for n in ast.walk(s) if isinstance(n, ast.Name)} - {name}
            attrs = {n.attr for s in stmts for n in ast.walk(s) if isinstance(n, ast.Attribute)}
            namespace = vars(sys.modules[module_name])
            for other in sorted(used & namespace.keys()):
                self.add_global(namespace, module_name, other, attrs)
        else:  # bound some other way (a loop, globals()): its value where plain, else its type
            self.found[(module_name, name, 0)] = plain_repr(value) or f"<{type(value).__qualname__}>"

    def module_statements(self, module_name: str) -> _Statements | None:
        if module_name not in self.statements:
            module = sys.modules.get(module_name)
            try:
                source = inspect.getsource(module) if module else None
            except (OSError, TypeError):
                source = None
            self.statements[module_name] = None if source is None else _parse(source, module.__package__)
        return self.statements[module_name]

    def source(self, obj: types.FunctionType | type) -> str:
        """A top-level def or class from its module's parse (fast); anything nested from ``inspect``."""
        found = self.module_statements(obj.__module__)
        span = found.defined.get(obj.__qualname__) if found else None
        if found and span and _file_of(obj) == _file_of(sys.modules[obj.__module__]):
            return found.text(*span)
        return _source(obj)


@functools.lru_cache(maxsize=512)
def _parse(source: str, package: str | None) -> _Statements:
    """Cached by the source text itself: an edited module is parsed again."""
    found = _Statements(source.splitlines(keepends=True))
    for stmt in _top_level(ast.parse(source).body):
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])
            found.defined[stmt.name] = (first, stmt.end_lineno or stmt.lineno)
        if isinstance(stmt, ast.ImportFrom):
            base = "." * stmt.level + (stmt.module or "")
            target = importlib.util.resolve_name(base, package) if stmt.level else base
            for alias in stmt.names:
                found.imported[alias.asname or alias.name] = (target, alias.name)
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
            targets = [stmt.target]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    found.assigned.setdefault(node.id, []).append(stmt)
    return found


def _top_level(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Module-level statements, also those inside top-level ``if``/``try``/``with`` blocks (not in defs)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If | ast.Try | ast.With):
            for block in ("body", "orelse", "finalbody", "handlers"):
                for inner in getattr(stmt, block, []):
                    yield from _top_level(inner.body if isinstance(inner, ast.ExceptHandler) else [inner])


def _file_of(obj: object) -> str | None:
    try:
        return inspect.getsourcefile(obj)  # type: ignore[arg-type]
    except TypeError:
        return None


def _source(obj: object) -> str:
    """The source text; for code without a file (built by exec), its bytecode and constants instead."""
    try:
        return inspect.getsource(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):
        code = getattr(obj, "__code__", None)
        if code is None:
            return f"<no source: {getattr(obj, '__qualname__', type(obj).__qualname__)}>"
        consts = [plain_repr(c) or f"<{type(c).__name__}>" for c in code.co_consts]
        return f"<no source: {code.co_code.hex()} {consts}>"
