"""Compile CEL rules (parsed by cel-python) into Python closures.

cel-python's own interpreter walks the lark tree on every evaluation and costs about half a
millisecond for a one-line rule; an HTTPRoute triggers ~100 rule evaluations, so validating
a thousand routes would take a minute. We reuse cel-python's parser and literal decoding and
compile each tree once into nested closures with Kubernetes' cel-go semantics (error
absorption in `&&`/`||`/`all`/`exists`, heterogeneous equality, the Kubernetes libraries).
Unknown functions, identifiers and macros fail at compile time, so an unsupported rule is
reported instead of being silently treated as passing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import lark
from celpy.celparser import CELParseError, CELParser
from celpy.evaluation import celbytes, celstr

from netgen.validate import cel_lib
from netgen.validate.cel_values import (
    INT64_MAX,
    INT64_MIN,
    CelError,
    TypeValue,
    Uint,
    cel_add,
    cel_div,
    cel_eq,
    cel_ge,
    cel_gt,
    cel_in,
    cel_le,
    cel_lt,
    cel_mod,
    cel_mul,
    cel_neg,
    cel_not,
    cel_sub,
    type_name,
)

Env = dict[str, Any]
Fn = Callable[[Env], Any]

ROOT_VARIABLES = frozenset({"self", "oldSelf"})
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "relation_lt": cel_lt,
    "relation_le": cel_le,
    "relation_gt": cel_gt,
    "relation_ge": cel_ge,
    "relation_eq": cel_eq,
    "relation_ne": lambda a, b: not cel_eq(a, b),
    "relation_in": cel_in,
    "addition_add": cel_add,
    "addition_sub": cel_sub,
    "multiplication_mul": cel_mul,
    "multiplication_div": cel_div,
    "multiplication_mod": cel_mod,
}
_LIBRARY_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError)
_MISSING = object()


class CelCompileError(Exception):
    """The rule does not parse, or uses something this CEL environment does not provide."""


class Program:
    """A compiled rule: call `evaluate` with the variable bindings (`self`)."""

    def __init__(self, source: str, fn: Fn, variables: frozenset[str]) -> None:
        self.source = source
        self._fn = fn
        self.variables = variables

    @property
    def is_transition_rule(self) -> bool:
        return "oldSelf" in self.variables

    def evaluate(self, bindings: Env) -> Any:
        try:
            return self._fn(dict(bindings))
        except RecursionError:
            raise CelError("expression too deeply nested") from None


_parser: CELParser | None = None
_cache: dict[str, Program] = {}


def compile_cel(source: str) -> Program:
    """Compile (and cache) a rule; raises CelCompileError."""
    program = _cache.get(source)
    if program is None:
        global _parser
        if _parser is None:
            _parser = CELParser()
        try:
            tree = _parser.parse(source)
        except (CELParseError, lark.exceptions.LarkError) as exc:
            raise CelCompileError(f"syntax error: {exc}") from None
        compiler = _Compiler()
        program = Program(source, compiler.compile(tree, ROOT_VARIABLES), frozenset(compiler.used))
        _cache[source] = program
    return program


def _as_bool(v: Any, what: str) -> bool:
    if v is True or v is False:
        return v
    raise CelError(f"no such overload: {what} applied to {type_name(v)}")


def _iterable(v: Any, macro: str) -> list[Any]:
    if isinstance(v, list):
        return v
    if isinstance(v, dict):
        return list(v)
    raise CelError(f"{macro}: cannot iterate over {type_name(v)}")


class _Compiler:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def compile(self, tree: Any, scope: frozenset[str]) -> Fn:
        method = getattr(self, f"_{tree.data}", None)
        if method is None:
            raise CelCompileError(f"unsupported syntax: {tree.data}")
        return method(tree, scope)

    # --- operators ----------------------------------------------------------------------

    def _expr(self, tree: Any, scope: frozenset[str]) -> Fn:
        if len(tree.children) == 1:
            return self.compile(tree.children[0], scope)
        cond, yes, no = (self.compile(c, scope) for c in tree.children)

        def ternary(env: Env) -> Any:
            return yes(env) if _as_bool(cond(env), "_?_:_") else no(env)

        return ternary

    def _conditionalor(self, tree: Any, scope: frozenset[str]) -> Fn:
        if len(tree.children) == 1:
            return self.compile(tree.children[0], scope)
        left, right = (self.compile(c, scope) for c in tree.children)
        return _logical(left, right, short=True)

    def _conditionaland(self, tree: Any, scope: frozenset[str]) -> Fn:
        if len(tree.children) == 1:
            return self.compile(tree.children[0], scope)
        left, right = (self.compile(c, scope) for c in tree.children)
        return _logical(left, right, short=False)

    def _binary(self, tree: Any, scope: frozenset[str]) -> Fn:
        if len(tree.children) == 1:
            return self.compile(tree.children[0], scope)
        op_tree, right_tree = tree.children
        op = _BINARY[op_tree.data]
        left = self.compile(op_tree.children[0], scope)
        right = self.compile(right_tree, scope)
        return lambda env: op(left(env), right(env))

    _relation = _addition = _multiplication = _binary

    def _unary(self, tree: Any, scope: frozenset[str]) -> Fn:
        if len(tree.children) == 1:
            return self.compile(tree.children[0], scope)
        op_tree, operand_tree = tree.children
        operand = self.compile(operand_tree, scope)
        op = cel_not if op_tree.data == "unary_not" else cel_neg
        return lambda env: op(operand(env))

    def _member(self, tree: Any, scope: frozenset[str]) -> Fn:
        return self.compile(tree.children[0], scope)

    _primary = _member

    def _paren_expr(self, tree: Any, scope: frozenset[str]) -> Fn:
        return self.compile(tree.children[0], scope)

    # --- names and selection --------------------------------------------------------------

    def _ident(self, tree: Any, scope: frozenset[str]) -> Fn:
        name = str(tree.children[0])
        if name in scope:
            self.used.add(name)
            return lambda env: env[name]
        if name in cel_lib.TYPE_NAMES:
            value = TypeValue(name)
            return lambda env: value
        raise CelCompileError(f"undeclared reference to {name!r}")

    _dot_ident = _ident

    def _member_dot(self, tree: Any, scope: frozenset[str]) -> Fn:
        target_tree, field_token = tree.children
        target = self.compile(target_tree, scope)
        field = str(field_token)

        def select(env: Env) -> Any:
            obj = target(env)
            if isinstance(obj, dict):
                try:
                    return obj[field]
                except KeyError:
                    raise CelError(f"no such key: {field}") from None
            raise CelError(f"type {type_name(obj)} does not support field selection")

        return select

    def _member_index(self, tree: Any, scope: frozenset[str]) -> Fn:
        target, index = (self.compile(c, scope) for c in tree.children)

        def subscript(env: Env) -> Any:
            obj, key = target(env), index(env)
            if isinstance(obj, list):
                if isinstance(key, bool) or not isinstance(key, int):
                    raise CelError(f"list index must be int, got {type_name(key)}")
                if not 0 <= key < len(obj):
                    raise CelError(f"index out of bounds: {key}")
                return obj[key]
            if isinstance(obj, dict):
                for k, v in obj.items():
                    if cel_eq(k, key):
                        return v
                raise CelError(f"no such key: {key}")
            raise CelError(f"type {type_name(obj)} does not support indexing")

        return subscript

    def _member_object(self, tree: Any, scope: frozenset[str]) -> Fn:
        raise CelCompileError("message construction is not supported")

    # --- literals -----------------------------------------------------------------------

    def _literal(self, tree: Any, scope: frozenset[str]) -> Fn:
        token = tree.children[0]
        value = _literal_value(token)
        return lambda env: value

    def _list_lit(self, tree: Any, scope: frozenset[str]) -> Fn:
        items = self._args(tree.children[0] if tree.children else None, scope)
        return lambda env: [f(env) for f in items]

    def _map_lit(self, tree: Any, scope: frozenset[str]) -> Fn:
        parts = [self.compile(c, scope) for c in tree.children[0].children] if tree.children else []
        pairs = list(zip(parts[::2], parts[1::2], strict=True))

        def build(env: Env) -> dict[Any, Any]:
            out: dict[Any, Any] = {}
            for kf, vf in pairs:
                key = kf(env)
                if not isinstance(key, (str, int)):
                    raise CelError(f"unsupported map key type {type_name(key)}")
                if key in out:
                    raise CelError(f"duplicate map key {key!r}")
                out[key] = vf(env)
            return out

        return build

    def _args(self, exprlist: Any, scope: frozenset[str]) -> list[Fn]:
        if exprlist is None:
            return []
        return [self.compile(c, scope) for c in exprlist.children]

    # --- calls ------------------------------------------------------------------------------

    def _ident_arg(self, tree: Any, scope: frozenset[str]) -> Fn:
        name = str(tree.children[0])
        exprlist = tree.children[1] if len(tree.children) > 1 else None
        if name == "has":
            return self._has(exprlist, scope)
        return self._call(name, cel_lib.GLOBALS.get(name), self._args(exprlist, scope))

    _dot_ident_arg = _ident_arg

    def _has(self, exprlist: Any, scope: frozenset[str]) -> Fn:
        arg = exprlist.children[0] if exprlist is not None else None
        select = _unwrap(arg)
        if (
            not isinstance(select, lark.Tree)
            or len(exprlist.children) != 1
            or select.data != "member_dot"
        ):
            raise CelCompileError("has() requires a field selection argument")
        target = self.compile(select.children[0], scope)
        field = str(select.children[1])

        def has(env: Env) -> bool:
            obj = target(env)
            if isinstance(obj, dict):
                return field in obj
            raise CelError(f"has(): type {type_name(obj)} does not support field selection")

        return has

    def _member_dot_arg(self, tree: Any, scope: frozenset[str]) -> Fn:
        target_tree, name_token = tree.children[:2]
        exprlist = tree.children[2] if len(tree.children) > 2 else None
        name = str(name_token)
        if name in _MACROS and exprlist is not None and _macro_vars(name, exprlist):
            return self._macro(name, target_tree, exprlist, scope)
        qualified = _qualified_name(target_tree, scope)
        if qualified is not None:
            full = f"{qualified}.{name}"
            return self._call(full, cel_lib.GLOBALS.get(full), self._args(exprlist, scope))
        target = self.compile(target_tree, scope)
        return self._call(name, cel_lib.METHODS.get(name), [target, *self._args(exprlist, scope)])

    def _call(self, name: str, fn: Callable[..., Any] | None, args: list[Fn]) -> Fn:
        if fn is None:
            raise CelCompileError(f"undeclared reference to function {name!r}")
        _check_arity(name, fn, len(args))

        def call(env: Env) -> Any:
            values = [a(env) for a in args]
            try:
                return fn(*values)
            except CelError:
                raise
            except _LIBRARY_ERRORS as exc:
                raise CelError(f"{name}: {exc}") from None

        return call

    def _macro(self, name: str, target_tree: Any, exprlist: Any, scope: frozenset[str]) -> Fn:
        variables = _macro_vars(name, exprlist)
        inner = scope | frozenset(variables)
        bodies = [self.compile(c, inner) for c in exprlist.children[len(variables) :]]
        target = self.compile(target_tree, scope)
        return _MACRO_BUILDERS[name](name, target, variables, bodies)


def _unwrap(tree: Any) -> Any:
    """Descend through single-child wrapper nodes (expr -> conditionalor -> ... -> primary)."""
    while (
        isinstance(tree, lark.Tree)
        and len(tree.children) == 1
        and isinstance(tree.children[0], lark.Tree)
    ):
        tree = tree.children[0]
    return tree


def _simple_ident(tree: Any) -> str | None:
    node = _unwrap(tree)
    if isinstance(node, lark.Tree) and node.data == "ident":
        return str(node.children[0])
    return None


def _macro_vars(name: str, exprlist: Any) -> list[str]:
    """Iteration variables of `all(x, p)`, `all(i, v, p)`, `map(x, e)`, `map(x, p, e)`."""
    children = exprlist.children
    first = _simple_ident(children[0])
    if first is None or len(children) not in (2, 3):
        return []
    if len(children) == 2 or name == "map":
        return [first]
    second = _simple_ident(children[1])
    return [first, second] if second is not None else []


def _qualified_name(tree: Any, scope: frozenset[str]) -> str | None:
    """`format` in `format.dns1123Label()`: a dotted name whose root is not a variable."""
    node = _unwrap(tree)
    parts: list[str] = []
    while isinstance(node, lark.Tree) and node.data == "member_dot":
        parts.append(str(node.children[1]))
        node = _unwrap(node.children[0])
    if isinstance(node, lark.Tree) and node.data == "ident":
        root = str(node.children[0])
        if root in scope:
            return None
        return ".".join([root, *reversed(parts)])
    return None


def _check_arity(name: str, fn: Callable[..., Any], count: int) -> None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        sig.bind(*([None] * count))
    except TypeError:
        raise CelCompileError(
            f"found no matching overload for {name!r} with {count} argument(s)"
        ) from None


def _literal_value(token: Any) -> Any:
    kind, text = token.type, str(token)
    if kind == "INT_LIT":
        digits = text.lstrip("-")
        value = int(digits, 16) if digits[:2] in ("0x", "0X") else int(digits)
        value = -value if text.startswith("-") else value
        if not INT64_MIN <= value <= INT64_MAX:
            raise CelCompileError(f"integer literal out of range: {text}")
        return value
    if kind == "UINT_LIT":
        digits = text[:-1]
        return Uint(int(digits, 16) if digits[:2] in ("0x", "0X") else int(digits))
    if kind == "FLOAT_LIT":
        return float(text)
    if kind in ("STRING_LIT", "MLSTRING_LIT"):
        return str(celstr(token))
    if kind == "BYTES_LIT":
        return bytes(celbytes(token))
    if kind == "BOOL_LIT":
        return text == "true"
    if kind == "NULL_LIT":
        return None
    raise CelCompileError(f"unsupported literal {text!r}")


def _logical(left: Fn, right: Fn, short: bool) -> Fn:
    """`||` (short=True) and `&&`: commutative, an error loses to a deciding operand."""
    decisive = short
    what = "_||_" if short else "_&&_"

    def logical(env: Env) -> bool:
        err: CelError | None = None
        try:
            a = left(env)
            if a is decisive:
                return decisive
            if a is not (not decisive):
                err = CelError(f"no such overload: {what} applied to {type_name(a)}")
        except CelError as exc:
            err = exc
        b = right(env)
        if b is decisive:
            return decisive
        if b is not (not decisive):
            raise CelError(f"no such overload: {what} applied to {type_name(b)}")
        if err is not None:
            raise err
        return not decisive

    return logical


def _iterate(env: Env, variables: list[str], target: Any, macro: str) -> Any:
    """Yield once per element, binding the macro variables in `env`."""
    if len(variables) == 1:
        for item in _iterable(target, macro):
            env[variables[0]] = item
            yield
    elif isinstance(target, dict):
        for key, value in target.items():
            env[variables[0]], env[variables[1]] = key, value
            yield
    else:
        for index, value in enumerate(_iterable(target, macro)):
            env[variables[0]], env[variables[1]] = index, value
            yield


def _with_vars(variables: list[str], body: Callable[[Env, Any], Any]) -> Fn:
    def run(env: Env) -> Any:
        saved = [env.get(v, _MISSING) for v in variables]
        try:
            return body(env, None)
        finally:
            for v, old in zip(variables, saved, strict=True):
                if old is _MISSING:
                    env.pop(v, None)
                else:
                    env[v] = old

    return run


def _quantifier(name: str, target: Fn, variables: list[str], bodies: list[Fn]) -> Fn:
    pred = bodies[0]
    decisive = name == "exists"

    def body(env: Env, _: Any) -> bool:
        err: CelError | None = None
        for _step in _iterate(env, variables, target(env), name):
            try:
                r = pred(env)
            except CelError as exc:
                err = err or exc
                continue
            if r is decisive:
                return decisive
            if r is not (not decisive):
                err = err or CelError(f"{name}: predicate returned {type_name(r)}")
        if err is not None:
            raise err
        return not decisive

    return _with_vars(variables, body)


def _exists_one(name: str, target: Fn, variables: list[str], bodies: list[Fn]) -> Fn:
    pred = bodies[0]

    def body(env: Env, _: Any) -> bool:
        count = 0
        for _step in _iterate(env, variables, target(env), name):
            count += _as_bool(pred(env), name)
        return count == 1

    return _with_vars(variables, body)


def _filter(name: str, target: Fn, variables: list[str], bodies: list[Fn]) -> Fn:
    pred = bodies[0]

    def body(env: Env, _: Any) -> list[Any]:
        out = []
        for _step in _iterate(env, variables, target(env), name):
            if _as_bool(pred(env), name):
                out.append(env[variables[-1]] if len(variables) == 2 else env[variables[0]])
        return out

    return _with_vars(variables, body)


def _map(name: str, target: Fn, variables: list[str], bodies: list[Fn]) -> Fn:
    pred, transform = (None, bodies[0]) if len(bodies) == 1 else bodies

    def body(env: Env, _: Any) -> list[Any]:
        out = []
        for _step in _iterate(env, variables, target(env), name):
            if pred is None or _as_bool(pred(env), name):
                out.append(transform(env))
        return out

    return _with_vars(variables, body)


_MACRO_BUILDERS: dict[str, Callable[[str, Fn, list[str], list[Fn]], Fn]] = {
    "all": _quantifier,
    "exists": _quantifier,
    "exists_one": _exists_one,
    "filter": _filter,
    "map": _map,
}
