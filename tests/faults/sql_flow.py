"""What reaches a SQL string: a small data-flow check over the package's source (no code is run).

A SQL argument (the first argument of ``.execute()`` / ``.executemany()`` / ``.sql()`` / ``.query()``) is *code*
when every piece of text that flows into it is code:

- literals; f-strings, ``+``, ``%``, ``.format()``, ``sep.join(...)``, str methods and containers of code;
- ``quote_ident(...)`` (an escaped identifier, whatever its input) and ``read_ddl(...)`` (a contract file);
- module constants (``UPPER_CASE`` names and ``module.UPPER_CASE``) and items of them (``TABLES[board]``);
- a local or module variable whose every assignment, ``+=``, ``.append()``/``.extend()`` and ``for`` target is code;
- a function parameter that every call site in the scanned source passes code for (or leaves a code default);
- the result of a function of the scanned source whose every ``return`` is code;
- ``obj.field`` where ``obj`` can only be an instance of a class of the scanned source (a dataclass, NamedTuple or
  pydantic model: followed through variables, parameters, loops, containers and returns to the constructor
  calls) and every construction passes code for ``field`` (or leaves a code default).

Anything else (an attribute of a runtime object, a value read from a file or a database, a parameter of a function
nobody in the scanned source calls) is *unproven* and reported with the place it comes from, unless it is a
reviewed exception. Values never need any of this: they travel as bound ``?`` parameters.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SQL_METHODS = {"execute", "executemany", "sql", "query"}
SAFE_CALLS = {"quote_ident", "read_ddl"}  # an escaped identifier; a contract file of sql/ddl
CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
# methods whose result is code when the receiver and the arguments are code
CODE_METHODS = {
    "format", "replace", "removeprefix", "removesuffix", "strip", "lstrip", "rstrip", "lower", "upper",
    "title", "capitalize", "join", "split", "items", "values", "keys", "copy", "get",
}  # fmt: skip
CODE_BUILTINS = {"list", "tuple", "set", "sorted", "reversed", "zip", "enumerate", "dict", "str", "range"}
MUTATORS = {"append", "extend", "insert", "add", "update"}
FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
LITERALS = (
    ast.Constant, ast.JoinedStr, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp,
)  # fmt: skip


@dataclass(frozen=True)
class Origin:
    """An expression the check could not prove to be code, and where it stands."""

    file: str
    line: int
    expr: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "expr", self.expr if len(self.expr) <= 90 else self.expr[:87] + "...")

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.expr}"


@dataclass(eq=False)
class Func:
    file: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    parent: Func | None
    is_method: bool

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>")

    def params(self) -> set[str]:
        a = self.node.args
        names = [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, (a.vararg, a.kwarg))]
        return {p.arg for p in names}

    def positional(self) -> list[str]:
        a = self.node.args
        return [p.arg for p in (*a.posonlyargs, *a.args)]

    def default(self, name: str) -> ast.expr | None:
        a = self.node.args
        pos = [*a.posonlyargs, *a.args]
        pairs = [*zip(pos[len(pos) - len(a.defaults) :], a.defaults, strict=True)]
        pairs += [(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None]
        return next((d for p, d in pairs if p.arg == name), None)


@dataclass(eq=False)
class Class:
    file: str
    node: ast.ClassDef

    def fields(self) -> list[tuple[str, ast.expr | None]]:
        """Annotated class-body fields in order, with their defaults (dataclass, NamedTuple, pydantic)."""
        out = []
        for n in self.node.body:
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
                default = n.value
                if (  # field(default=...) / Field(default=...)
                    isinstance(default, ast.Call)
                    and getattr(default.func, "id", getattr(default.func, "attr", "")) in {"field", "Field"}
                ):
                    default = next((k.value for k in default.keywords if k.arg == "default"), None)
                out.append((n.target.id, default))
        return out


def _own_nodes(root: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function's (or module's) own body, not of the functions and classes nested in it."""
    stack = list(ast.iter_child_nodes(root))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (*FUNCTION_NODES, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _target_names(target: ast.expr) -> set[str]:
    """Names an assignment target binds (``d[k] = v`` binds neither ``d`` nor ``k``)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Tuple | ast.List):
        return {n for e in target.elts for n in _target_names(e)}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return set()


def _position(target: ast.expr, name: str) -> tuple[int, ...] | None:
    """``for (a, b), c in ...``: where ``name`` sits in the tuple target (None: the target is the name itself)."""
    if isinstance(target, ast.Tuple) and not any(isinstance(e, ast.Starred) for e in target.elts):
        for i, e in enumerate(target.elts):
            if isinstance(e, ast.Name) and e.id == name:
                return (i,)
            inner = _position(e, name) if isinstance(e, ast.Tuple) else None
            if inner:
                return (i, *inner)
    return None


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


@dataclass(frozen=True)
class Binding:
    expr: ast.expr
    element: bool  # the name is bound to an element of ``expr`` (a loop target), not to ``expr`` itself
    path: tuple[int, ...] | None = None  # ``for (a, b), c in ...``: where the name sits in each element
    member: bool = False  # ``name.append(expr)``: ``expr`` is an element of the name
    unpack: bool = False  # ``a, b = expr``: ``path`` indexes ``expr`` itself, not its elements


@dataclass
class Program:
    """Every function, class, call and import of the scanned files."""

    root: Path
    files: list[Path]  # every file whose calls count as call sites
    sql_folders: tuple[str, ...] = ()  # where SQL arguments are checked (all files when empty)
    modules: dict[str, ast.Module] = field(default_factory=dict)  # file -> tree
    module_files: dict[str, str] = field(default_factory=dict)  # dotted module name -> file
    funcs: dict[tuple[str, str], list[Func]] = field(default_factory=dict)  # (file, name) -> defs
    methods: dict[str, list[Func]] = field(default_factory=dict)  # name -> methods (any file)
    classes: dict[tuple[str, str], Class] = field(default_factory=dict)  # (file, name) -> class
    imports: dict[str, dict[str, tuple[str, str | None]]] = field(
        default_factory=dict
    )  # file -> alias -> target
    calls: list[tuple[str, ast.Call, Func | None]] = field(default_factory=list)
    callers: dict[int, list[tuple[str, ast.Call, Func | None]]] = field(
        default_factory=dict
    )  # id(Func) -> sites
    _memo: dict[tuple[int, int], list[Origin]] = field(default_factory=dict)
    _values_memo: dict[tuple[int, int, bool], list] = field(default_factory=dict)
    parents: dict[int, ast.AST] = field(default_factory=dict)  # id(node) -> parent node

    def __post_init__(self) -> None:
        for path in self.files:
            rel = str(path.relative_to(self.root))
            dotted = rel.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            self.module_files[dotted] = rel
            self.modules[rel] = tree = ast.parse(path.read_text())
            for parent in ast.walk(tree):
                for child in ast.iter_child_nodes(parent):
                    self.parents[id(child)] = parent
        for rel, tree in self.modules.items():
            self.imports[rel] = self._imports(rel, tree)
            self._index(rel, tree, None, in_class=False)
        for file, call, func in self.calls:
            for f in self.resolve_call(file, call):
                if isinstance(f, Func):
                    self.callers.setdefault(id(f), []).append((file, call, func))

    # ------------------------------------------------------------------ indexing
    def _imports(self, file: str, tree: ast.Module) -> dict[str, tuple[str, str | None]]:
        """alias -> (module file, name or None for the module itself), for imports of scanned modules."""
        package = file.rsplit("/", 1)[0].replace("/", ".")
        out: dict[str, tuple[str, str | None]] = {}
        for n in ast.walk(tree):
            if isinstance(n, ast.Import):
                for a in n.names:
                    if a.name in self.module_files and a.asname:
                        out[a.asname] = (self.module_files[a.name], None)
            elif isinstance(n, ast.ImportFrom):
                base = n.module or ""
                if n.level:
                    base = ".".join(
                        package.split(".")[: len(package.split(".")) - n.level + 1] + [base]
                    ).strip(".")
                for a in n.names:
                    alias = a.asname or a.name
                    if f"{base}.{a.name}" in self.module_files:
                        out[alias] = (self.module_files[f"{base}.{a.name}"], None)
                    elif base in self.module_files:
                        out[alias] = (self.module_files[base], a.name)
        return out

    def _index(self, file: str, node: ast.AST, func: Func | None, in_class: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, FUNCTION_NODES):
                decorators = getattr(child, "decorator_list", [])
                static = any(getattr(d, "id", "") == "staticmethod" for d in decorators)
                f = Func(file, child, func, is_method=in_class and not static)
                if not isinstance(child, ast.Lambda):
                    self.funcs.setdefault((file, child.name), []).append(f)
                    if in_class:
                        self.methods.setdefault(child.name, []).append(f)
                self._index(file, child, f, in_class=False)
            elif isinstance(child, ast.ClassDef):
                self.classes[(file, child.name)] = Class(file, child)
                self._index(file, child, func, in_class=True)
            else:
                if isinstance(child, ast.Call):
                    self.calls.append((file, child, func))
                self._index(file, child, func, in_class)

    def _lookup(self, file: str, name: str) -> tuple[list[Func], Class | None]:
        """Functions and the class that ``name`` means in ``file`` (defined there or imported from a scanned module)."""
        if (file, name) in self.funcs or (file, name) in self.classes:
            return self.funcs.get((file, name), []), self.classes.get((file, name))
        target = self.imports.get(file, {}).get(name)
        if target and target[1]:
            return self._lookup(target[0], target[1])
        return [], None

    def resolve_call(self, file: str, call: ast.Call) -> list[Func | Class]:
        if isinstance(call.func, ast.Name):
            funcs, cls = self._lookup(file, call.func.id)
            return [*funcs, *([cls] if cls else [])]
        if isinstance(call.func, ast.Attribute):
            base = call.func.value
            if isinstance(base, ast.Name) and base.id in self.imports.get(file, {}):
                target = self.imports[file][base.id]
                if target[1] is None:  # module.function(...)
                    funcs, cls = self._lookup(target[0], call.func.attr)
                    return [*funcs, *([cls] if cls else [])]
            return list(self.methods.get(call.func.attr, []))
        return []

    # ------------------------------------------------------------------ entry points
    def sql_arguments(self) -> Iterator[tuple[str, ast.Call, ast.expr, Func | None]]:
        for file, call, func in self.calls:
            if not (isinstance(call.func, ast.Attribute) and call.func.attr in SQL_METHODS):
                continue
            if self.sql_folders and not file.startswith(tuple(f"{f}/" for f in self.sql_folders)):
                continue
            arg = call.args[0] if call.args else None
            arg = arg or next((k.value for k in call.keywords if k.arg in {"query", "sql"}), None)
            if arg is not None:
                yield file, call, arg, func

    def unproven(self, file: str, expr: ast.expr, func: Func | None) -> list[Origin]:
        key = (id(expr), id(func))
        if key not in self._memo:
            self._memo[key] = []  # in progress: a cycle adds nothing of its own
            self._memo[key] = self._check(file, expr, func)
        return self._memo[key]

    # ------------------------------------------------------------------ is it code?
    def _check(self, file: str, node: ast.expr, func: Func | None) -> list[Origin]:
        def each(*nodes: ast.expr | None) -> list[Origin]:
            return [o for n in nodes if n is not None for o in self.unproven(file, n, func)]

        if isinstance(node, ast.Constant | ast.Lambda):
            return []
        if isinstance(node, ast.JoinedStr):
            return each(*(v.value for v in node.values if isinstance(v, ast.FormattedValue)))
        if isinstance(node, ast.BinOp):
            return each(node.left, node.right)
        if isinstance(node, ast.UnaryOp):
            return each(node.operand)
        if isinstance(node, ast.IfExp):
            return each(node.body, node.orelse)
        if isinstance(node, ast.BoolOp):
            return each(*node.values)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return each(*node.elts)
        if isinstance(node, ast.Dict):
            return each(*node.keys, *node.values)
        if isinstance(node, ast.Starred):
            return each(node.value)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            return each(node.elt)  # its loop variables resolve as bindings of the enclosing scope
        if isinstance(node, ast.DictComp):
            return each(node.key, node.value)
        if isinstance(node, ast.Subscript):
            return each(node.value)  # an item of a code container is code
        if isinstance(node, ast.Attribute):
            return self._attribute(file, node, func)
        if isinstance(node, ast.Name):
            return self._name(file, node, func)
        if isinstance(node, ast.Call):
            return self._call(file, node, func)
        return [Origin(file, node.lineno, ast.unparse(node))]

    def _call(self, file: str, node: ast.Call, func: Func | None) -> list[Origin]:
        args = [*node.args, *(k.value for k in node.keywords)]
        name = _callee(node)
        if name in SAFE_CALLS:
            return []
        targets = self.resolve_call(file, node)
        if not targets:
            if isinstance(node.func, ast.Attribute) and name in CODE_METHODS:
                args = [node.func.value, *args]
            elif not (isinstance(node.func, ast.Name) and name in CODE_BUILTINS):
                return [Origin(file, node.lineno, ast.unparse(node))]
            return [o for a in args for o in self.unproven(file, a, func)]
        found: list[Origin] = []
        for target in targets:
            if isinstance(target, Class):  # an object built from code is code
                found += [o for a in args for o in self.unproven(file, a, func)]
                continue
            for r in self._returns(target):
                found += self.unproven(target.file, r, target)
        return found

    @staticmethod
    def _returns(f: Func) -> list[ast.expr]:
        if isinstance(f.node, ast.Lambda):
            return [f.node.body]
        return [n.value for n in _own_nodes(f.node) if isinstance(n, ast.Return) and n.value is not None]

    def _comprehension_binding(self, node: ast.Name) -> list[Binding] | None:
        """The iterables of the comprehension that binds ``node`` (a comprehension has its own scope)."""
        parent = self.parents.get(id(node))
        while parent is not None and not isinstance(parent, (*FUNCTION_NODES, ast.ClassDef, ast.Module)):
            if isinstance(parent, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
                gens = [g for g in parent.generators if node.id in _target_names(g.target)]
                if gens:
                    return [Binding(g.iter, True, _position(g.target, node.id)) for g in gens]
            parent = self.parents.get(id(parent))
        return None

    def _name(self, file: str, node: ast.Name, func: Func | None) -> list[Origin]:
        if CONSTANT.match(node.id):
            return []
        comp = self._comprehension_binding(node)
        if comp is not None:
            return [o for b in comp for o in self._binding_unproven(file, b, func)]
        found: list[Origin] = []
        scope: Func | None = func
        while scope is not None:
            bound = self._bindings(scope.node, node.id)
            if bound is not None:
                return [o for b in bound for o in self._binding_unproven(scope.file, b, scope)]
            if node.id in scope.params():
                return self._parameter(scope, node.id)
            scope = scope.parent
        target = self.imports.get(file, {}).get(node.id)
        if target is not None:  # a name or module imported from the scanned code
            return (
                self._name(target[0], ast.Name(id=target[1], lineno=node.lineno), None) if target[1] else []
            )
        bound = self._bindings(self.modules[file], node.id) if file in self.modules else None
        if bound is not None:
            return [o for b in bound for o in self._binding_unproven(file, b, None)]
        return [*found, Origin(file, node.lineno, node.id)]

    def _binding_unproven(self, file: str, b: Binding, func: Func | None) -> list[Origin]:
        if b.path is None:
            return self.unproven(file, b.expr, func)
        return [o for v in self._path_values(file, b, func) for o in self.unproven(*v)]

    def _path_values(
        self, file: str, b: Binding, func: Func | None
    ) -> list[tuple[str, ast.expr, Func | None]]:
        assert b.path is not None
        if b.unpack:
            return self._project(self._values(file, b.expr, func, element=False), b.path)
        return self._element_at(file, b.expr, func, b.path)

    def _binding_values(
        self, file: str, b: Binding, func: Func | None, element: bool
    ) -> list[tuple[str, ast.expr, Func | None]]:
        if b.member:  # what was put into the container: its elements, never the container itself
            return self._values(file, b.expr, func, b.element) if element else []
        if b.path is None:
            return self._values(file, b.expr, func, element or b.element)
        values = self._path_values(file, b, func)
        return [w for v in values for w in self._values(*v, element)] if element else values

    def _element_at(
        self, file: str, iterable: ast.expr, func: Func | None, path: tuple[int, ...]
    ) -> list[tuple[str, ast.expr, Func | None]]:
        """What sits at ``path`` in the elements of ``iterable`` (zip/enumerate and tuple literals followed)."""
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and path:
            if iterable.func.id == "zip" and path[0] < len(iterable.args):
                return self._element_at(file, iterable.args[path[0]], func, path[1:])
            if iterable.func.id == "enumerate" and iterable.args:
                if path[0] == 0:
                    return []  # the index: an int the loop counts
                return self._element_at(file, iterable.args[0], func, path[1:])
        return self._project(self._values(file, iterable, func, element=True), path)

    def _project(
        self, values: list[tuple[str, ast.expr, Func | None]], path: tuple[int, ...]
    ) -> list[tuple[str, ast.expr, Func | None]]:
        if not path:
            return values
        out = []
        for vfile, value, vfunc in values:
            if (
                isinstance(value, ast.Tuple)
                and not any(isinstance(e, ast.Starred) for e in value.elts)
                and path[0] < len(value.elts)
            ):
                out += self._project(self._values(vfile, value.elts[path[0]], vfunc, False), path[1:])
            else:
                out.append((vfile, value, vfunc))  # a shape the check does not follow: the whole element
        return out

    def _bindings(self, scope: ast.AST, name: str) -> list[Binding] | None:
        """Every expression that gives ``name`` its value (or its elements) in ``scope``; None if never bound."""
        out: list[Binding] = []
        bound = False
        for n in _own_nodes(scope):
            if isinstance(n, ast.Assign) and any(name in _target_names(t) for t in n.targets):
                bound = True
                for t in n.targets:
                    if isinstance(t, ast.Name) and t.id == name:
                        out.append(Binding(n.value, element=False))
                    elif name in _target_names(t):  # a, b = value
                        out.append(Binding(n.value, element=False, path=_position(t, name), unpack=True))
            elif isinstance(n, ast.Assign) and any(
                isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name
                for t in n.targets
            ):
                out.append(Binding(n.value, element=False, member=True))  # name[k] = value
            elif isinstance(n, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and name in _target_names(
                n.target
            ):
                bound = True
                if n.value is not None:
                    out.append(Binding(n.value, element=False))
            elif isinstance(n, ast.For | ast.AsyncFor) and name in _target_names(n.target):
                bound = True
                out.append(Binding(n.iter, True, _position(n.target, name)))
            elif isinstance(n, ast.With | ast.AsyncWith):
                for item in n.items:
                    if item.optional_vars is not None and name in _target_names(item.optional_vars):
                        bound = True
                        out.append(Binding(item.context_expr, element=True))
            elif isinstance(n, ast.ExceptHandler) and n.name == name:
                bound = True
                out.append(Binding(ast.Name(id=f"<exception {name}>", lineno=n.lineno), element=False))
            elif isinstance(n, ast.Import | ast.ImportFrom) and any(
                (a.asname or a.name).split(".")[0] == name for a in n.names
            ):
                bound = True  # a name of another library (scanned modules are resolved before this): unproven
                out.append(Binding(ast.Name(id=f"<imported {name}>", lineno=n.lineno), element=False))
            elif (  # name.append(v), name.extend(vs), name.update(...)
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr in MUTATORS
                and isinstance(n.func.value, ast.Name)
                and n.func.value.id == name
            ):
                items = [*n.args, *(k.value for k in n.keywords)]
                if n.func.attr == "insert":
                    items = items[1:]
                # append/add/insert put one element in; extend/update put the elements of their argument in
                one = n.func.attr in {"append", "add", "insert"}
                out += [Binding(a, element=not one, member=True) for a in items]
            elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == name:
                bound = True  # a function or class defined here: code
        return out if bound else None

    def _arguments(self, func: Func, name: str) -> list[tuple[str, ast.expr, Func | None]] | None:
        """What each call site of ``func`` passes for parameter ``name`` (defaults included); None: no call site."""
        sites = self.callers.get(id(func), [])
        if not sites or isinstance(func.node, ast.Lambda):
            return None
        out: list[tuple[str, ast.expr, Func | None]] = []
        positional = func.positional()
        for file, call, caller in sites:
            arg = next((k.value for k in call.keywords if k.arg == name), None)
            index = positional.index(name) if name in positional else None
            if index is not None and func.is_method and isinstance(call.func, ast.Attribute):
                index -= 1  # obj.method(...): self is not among the call's arguments
            if arg is None and index == -1:
                arg = call.func.value  # self: the object the method was called on
            if arg is None and index is not None and 0 <= index < len(call.args):
                starred = any(isinstance(a, ast.Starred) for a in call.args[: index + 1])
                arg = (
                    call.args[index]
                    if not starred
                    else next(a for a in call.args if isinstance(a, ast.Starred))
                )
            if arg is not None:
                out.append((file, arg, caller))
                continue
            out += [(file, k.value, caller) for k in call.keywords if k.arg is None]  # **kwargs: whole
            default = func.default(name)
            if default is not None:
                out.append((func.file, default, func.parent))
        return out

    def _parameter(self, func: Func, name: str) -> list[Origin]:
        """A parameter is code when every call site passes code for it (or leaves a code default)."""
        args = self._arguments(func, name)
        if args is None:
            return [
                Origin(
                    func.file, func.node.lineno, f"{func.name}({name}=...): no call site in the scanned code"
                )
            ]
        return [o for file, arg, caller in args for o in self.unproven(file, arg, caller)]

    # ------------------------------------------------------------------ obj.field
    def _attribute(self, file: str, node: ast.Attribute, func: Func | None) -> list[Origin]:
        if CONSTANT.match(node.attr):
            return []  # module.CONSTANT, Class.CONSTANT
        base = node.value
        target = self.imports.get(file, {}).get(base.id) if isinstance(base, ast.Name) else None
        if target is not None and target[1] is None:  # module.name of a scanned module
            return self._name(target[0], ast.Name(id=node.attr, lineno=node.lineno), None)
        found: list[Origin] = []
        values = self._values(file, base, func, element=False)
        if not values:
            return [Origin(file, node.lineno, ast.unparse(node))]
        for vfile, value, vfunc in values:
            if isinstance(value, LITERALS):
                continue  # a str/list/dict literal has no such field: this value never reaches here
            cls = self._class_of(vfile, value)
            if cls is not None and node.attr not in {n for n, _ in cls.fields()}:
                found += self._property(cls, node, file)
                continue
            arg = self._field_argument(vfile, value, node.attr, vfunc)
            if arg is None:
                found.append(Origin(file, node.lineno, ast.unparse(node)))
            elif arg[1] is not None:
                found += self.unproven(*arg)
        return found

    def _field_argument(
        self, file: str, value: ast.expr, name: str, func: Func | None = None
    ) -> tuple[str, ast.expr | None, Func | None] | None:
        """What the construction ``value`` (``Class(...)``) puts in field ``name``; None when it cannot be told."""
        cls = self._class_of(file, value)
        if cls is None or not isinstance(value, ast.Call):
            return None
        fields = cls.fields()
        names = [n for n, _ in fields]
        if name not in names:
            return None
        arg = next((k.value for k in value.keywords if k.arg == name), None)
        i = names.index(name)
        if arg is None and any(isinstance(a, ast.Starred) for a in value.args):
            return None
        if arg is None and i < len(value.args):
            arg = value.args[i]
        if arg is None and any(k.arg is None for k in value.keywords):
            return None  # **kwargs
        if arg is None:
            return cls.file, fields[i][1], None  # the class default (None: no default, a required field)
        return file, arg, func

    def _property(self, cls: Class, node: ast.Attribute, file: str) -> list[Origin]:
        """``obj.name`` that is not a field: a method or property of the class whose returns must be code."""
        for f in self.funcs.get((cls.file, node.attr), []):
            if f.is_method and any(n is f.node for n in cls.node.body):
                return [o for r in self._returns(f) for o in self.unproven(f.file, r, f)]
        return [Origin(file, node.lineno, ast.unparse(node))]

    def _class_of(self, file: str, value: ast.expr) -> Class | None:
        if isinstance(value, ast.Call):
            classes = [t for t in self.resolve_call(file, value) if isinstance(t, Class)]
            if len(classes) == 1 and len(self.resolve_call(file, value)) == 1:
                return classes[0]
        return None

    def _values(
        self, file: str, node: ast.expr, func: Func | None, element: bool
    ) -> list[tuple[str, ast.expr, Func | None]]:
        """The expressions ``node`` (or, with ``element``, an element of it) can evaluate to, as far as followed."""
        key = (id(node), id(func), element)
        if key in self._values_memo:
            return self._values_memo[key]
        self._values_memo[key] = []
        out = self._follow(file, node, func, element)
        self._values_memo[key] = out
        return out

    def _follow(
        self, file: str, node: ast.expr, func: Func | None, element: bool
    ) -> list[tuple[str, ast.expr, Func | None]]:
        here = [(file, node, func)]
        if isinstance(node, ast.Name):
            comp = self._comprehension_binding(node)
            if comp is not None:
                return [v for b in comp for v in self._binding_values(file, b, func, element)]
            scope: Func | None = func
            while scope is not None:
                bound = self._bindings(scope.node, node.id)
                if bound is not None:
                    return [v for b in bound for v in self._binding_values(scope.file, b, scope, element)]
                if node.id in scope.params():
                    args = self._arguments(scope, node.id)
                    if args is None:
                        return here
                    return [v for f, a, c in args for v in self._values(f, a, c, element)]
                scope = scope.parent
            target = self.imports.get(file, {}).get(node.id)
            if target is not None and target[1]:
                return self._values(target[0], ast.Name(id=target[1], lineno=node.lineno), None, element)
            bound = self._bindings(self.modules[file], node.id) if target is None else None
            if bound is not None:
                return [v for b in bound for v in self._binding_values(file, b, None, element)]
            return here
        if isinstance(node, ast.Subscript):
            return self._values(file, node.value, func, element=True) if not element else here
        if isinstance(node, ast.Attribute) and not CONSTANT.match(node.attr):
            out = []  # obj.field: what the constructions of obj's class put in that field
            for vfile, value, vfunc in self._values(file, node.value, func, element=False):
                arg = self._field_argument(vfile, value, node.attr, vfunc)
                if arg is None:
                    return here
                out += self._values(*arg, element)
            return out
        if isinstance(node, ast.IfExp):
            return [v for n in (node.body, node.orelse) for v in self._values(file, n, func, element)]
        if isinstance(node, ast.BoolOp):
            return [v for n in node.values for v in self._values(file, n, func, element)]
        if isinstance(node, ast.Call):  # a function of the scanned code: what it returns
            targets = self.resolve_call(file, node)
            funcs = [t for t in targets if isinstance(t, Func)]
            if funcs and len(funcs) == len(targets):
                return [
                    v for f in funcs for r in self._returns(f) for v in self._values(f.file, r, f, element)
                ]
        if element:
            if isinstance(node, ast.List | ast.Tuple | ast.Set):
                return [
                    v
                    for e in node.elts
                    for v in self._values(file, e.value if isinstance(e, ast.Starred) else e, func, False)
                ]
            if isinstance(node, ast.Dict):
                return [v for e in node.values for v in self._values(file, e, func, False)]
            if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
                return self._values(file, node.elt, func, False)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {
                "list", "tuple", "sorted", "reversed", "set"
            } and node.args:  # fmt: skip
                return self._values(file, node.args[0], func, True)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "values"
            ):
                return self._values(file, node.func.value, func, True)
            return here
        return here


def violations(
    root: Path,
    folders: tuple[str, ...],
    reviewed: dict[tuple[str, str], str],
    callers: tuple[str, ...] = (),
) -> tuple[list[str], set[tuple[str, str]]]:
    """Unproven text in the SQL arguments of ``folders`` (``file:line of the SQL call <- where it comes from``),
    and the reviewed exceptions that were needed. Calls from ``callers`` (e.g. tests/) count as call sites too."""
    files = sorted({p for folder in (*folders, *callers) for p in (root / folder).rglob("*.py")})
    program = Program(root, files, sql_folders=folders)
    out, used = set(), set()
    for file, call, arg, func in program.sql_arguments():
        for origin in program.unproven(file, arg, func):
            key = (origin.file, origin.expr)
            if key in reviewed:
                used.add(key)
            else:
                out.add(f"{file}:{call.lineno} <- {origin}")
    return sorted(out), used
