"""Broken blueprints: a valid one with a few arguments replaced by anything at all.

Wrong types, out-of-range numbers, NaN, unknown keyword arguments, objects netgen has
never seen, helper values in the wrong place: netgen must answer each with diagnostics
(`ProblemError`), never with a traceback.
"""

from __future__ import annotations

from typing import Any

from attrs import evolve
from hypothesis import strategies as st

from netgen.model import Isolation, PodSecurity
from netgen.targets.registry import REGISTRY
from tests.properties import values as v
from tests.properties.spec import Decl, Expr, Spec, Sym
from tests.properties.strategies import Draw, blueprints

_PYTHON = tuple(Expr("", (src,)) for src in (
    "object()", "lambda: 1", "b'bytes'", "float('nan')", "float('inf')", "-0.0", "2**64",
    "10**400", "10**5000", "1j", "print", "type", "Ellipsis", "NotImplemented", "range(3)",
    "iter([1])", "(x for x in [1])", "{1, 2}", "frozenset()", "bytearray(b'x')",
    "__import__('os')", "open", "[[[]]]", "{'a': {'b': []}}", "True", "None",
    "__import__('pathlib').Path('x')", "type('S', (str,), {})('web')",
    "type('I', (int,), {})(80)", "__import__('enum').Enum('E', 'A').A",
))
_HELPERS = (
    Expr("acm", ("x",)), Expr("tls_secret", ("s",)), Expr("header", ("a", "b")),
    Expr("basic", ("s",)), Expr("rate_limit", (1,)), Expr("health_check", ("/h",)),
    Expr("acm", (None,)), Expr("header", (1, 2)), Expr("health_check", (3,)),
    Expr("rate_limit", ()), Expr("rate_limit", (-5,)), Expr("basic", ("",)),
    Expr("health_check", ("/h",), (("interval", -1),)),
    Expr("storage", ("1Gi", "/data")), Expr("storage", (1, None)),
    Expr("storage", ("1Gi", "/d"), (("access_mode", "RWO"),)),
)
# The language's words: every token the targets define (the registry's), and the levels.
_SYMBOLS = tuple(Sym(s) for s in (*REGISTRY.tokens(),
                                  *(m.name for m in (*Isolation, *PodSecurity))))
# Keyword names a mutation may add: real ones in the wrong call, settings that point at
# files or are read by backends, and names nothing knows.
_KEYWORDS = ("templates", "service_accounts", "gateway", "gateway_class", "port", "ports",
             "image", "host", "path", "versions", "labels", "namespace", "tls", "canary",
             "via", "match", "health", "replicas", "isolation", "to", "zone", "domain",
             "heath", "imgae", "shceme", "x", "_", "pod_security", "run_as_user", "fs_group",
             "capabilities", "host_network", "storage", "read_only_root",
             "service_account_token", "disruption_budgets")


def junk() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-(2**70), 2**70),
        st.sampled_from([0, -1, 1, 65535, 65536, 29999, 30000, 32767, 32768, 100, 101]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0.0, 0.5, 1.0, 1.5, -0.1, 0.205, 1e-9]),
        v.text(), st.sampled_from(v.SURROGATES), st.sampled_from(_PYTHON),
        st.sampled_from(_HELPERS), st.sampled_from(_SYMBOLS),
    )
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.one_of(v.text(0, 8), st.integers()),
                                                     inner, max_size=3),
        st.tuples(inner, inner)), max_leaves=4)


def _mutate(draw: Draw[Any], d: Decl) -> Decl:
    how = draw(st.sampled_from(["replace", "drop", "add", "positional", "nested", "args"]))
    kwargs = list(d.kwargs)
    if how == "replace" and kwargs:
        i = draw(st.integers(0, len(kwargs) - 1))
        kwargs[i] = (kwargs[i][0], draw(junk()))
    elif how == "drop" and kwargs:
        del kwargs[draw(st.integers(0, len(kwargs) - 1))]
    elif how == "positional" and d.args:
        args = list(d.args)
        args[draw(st.integers(0, len(args) - 1))] = draw(junk())
        return evolve(d, args=tuple(args))
    elif how == "args":
        return evolve(d, args=(*d.args, draw(junk())))
    elif how == "nested":
        nested = [i for i, (_, value) in enumerate(kwargs) if isinstance(value, Expr)
                  and value.fn and value.args]
        if nested:
            i = draw(st.sampled_from(nested))
            key, value = kwargs[i]
            args = list(value.args)
            args[draw(st.integers(0, len(args) - 1))] = draw(junk())
            kwargs[i] = (key, evolve(value, args=tuple(args)))
    else:
        name = draw(st.sampled_from(_KEYWORDS))
        kwargs = [(k, value) for k, value in kwargs if k != name] + [(name, draw(junk()))]
    return evolve(d, kwargs=tuple(kwargs))


@st.composite
def broken_blueprints(draw: Draw[Any]) -> Spec:
    spec: Spec = draw(blueprints(max_services=3))
    sections = [list(spec.head), list(spec.body), *[list(decls) for _, decls in spec.scoped]]
    for _ in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from([s for s in sections if s] or [sections[1]]))
        if section:
            i = draw(st.integers(0, len(section) - 1))
            section[i] = _mutate(draw, section[i])
        else:
            section.append(Decl("service", (draw(junk()),)))
    head, body, *blocks = sections
    return Spec(
        head=tuple(head), body=tuple(body),
        scoped=tuple((name, tuple(b)) for (name, _), b in zip(spec.scoped, blocks, strict=True)),
        envs=spec.envs,
    )
