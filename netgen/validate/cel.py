"""CEL rules compiled and run by cel-expr-python (Google's cel-cpp runtime).

One environment for every rule, as the API server builds one per CRD: `self` (and `oldSelf`,
so transition rules compile and can be recognised) of type dyn, cel-cpp's strings and
optional extensions, and the Kubernetes library functions the shipped rules use
(`cel_k8s`). Compilation type-checks, so a rule calling a function this environment lacks
fails to compile and is reported instead of being treated as passing. Kubernetes' semantics
(error absorption in `&&`, `||` and the macros, heterogeneous equality at run time) are
the runtime's own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_optional, ext_strings

from netgen.validate import cel_k8s


class CelError(Exception):
    """Evaluation failed: the rule's result is a CEL error (no such key, bad argument...)."""


class CelCompileError(Exception):
    """The rule does not parse, or uses something this CEL environment does not provide."""


def _env(*variables: str) -> Any:
    return cel.NewEnv(
        variables={name: cel.Type.DYN for name in variables},
        extensions=[ext_strings.ExtStrings(), ext_optional.ExtOptional(), cel_k8s.EXTENSION],
    )


@functools.cache
def _envs() -> tuple[Any, Any]:
    """(the rule environment, one without `oldSelf`: a rule that compiles only in the first
    is a transition rule)."""
    return _env("self", "oldSelf"), _env("self")


class Program:
    """A compiled rule: `evaluate` binds `self` and returns a Python value."""

    def __init__(self, source: str, expression: Any, transition: bool) -> None:
        self.source = source
        self._expression = expression
        self.is_transition_rule = transition

    def evaluate(self, bindings: Mapping[str, Any]) -> Any:
        return self.evaluate_in(activation(bindings))

    def evaluate_in(self, bound: Any) -> Any:
        """Evaluate against an `activation` (reused by every rule of one schema node)."""
        try:
            result = self._expression.eval(bound)
        except RuntimeError as exc:  # some failures are raised rather than returned
            raise CelError(_status_text(str(exc))) from None
        if result.type() == cel.Type.ERROR:
            raise CelError(_status_text(str(result.value())))
        return result.plain_value()


def activation(bindings: Mapping[str, Any]) -> Any:
    """Variables converted to CEL values once, for any number of rules."""
    env, _ = _envs()
    try:
        return env.Activation(dict(bindings))
    except (TypeError, ValueError, RuntimeError) as exc:
        raise CelError(f"value cannot be given to CEL: {exc}") from None


@functools.cache
def compile_cel(source: str) -> Program:
    env, without_old_self = _envs()
    try:
        expression = env.compile(source)
    except RuntimeError as exc:
        raise CelCompileError(_first_line(str(exc))) from None
    transition = False
    if "oldSelf" in source:
        try:
            without_old_self.compile(source)
        except RuntimeError:
            transition = True
    return Program(source, expression, transition)


def _status_text(message: str) -> str:
    """`Key not found in map : "x"` from `NOT_FOUND: Key not found in map : "x" [NOT_FOUND]`."""
    return re.sub(r"^[A-Z_]+: | \[[A-Z_]+\]$", "", message.strip())


def _first_line(message: str) -> str:
    """`undeclared reference to 'x' (at 1:16)` from cel-cpp's multi-line report."""
    first = message.split("\n | ")[0].removeprefix("INVALID_ARGUMENT: ").strip()
    at = re.match(r"ERROR: <input>:(\d+):(\d+): (.*)", first, re.S)
    return f"{at.group(3)} (at {at.group(1)}:{at.group(2)})" if at else first
