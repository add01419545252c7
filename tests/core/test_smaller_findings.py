"""Smaller mistakes that used to pass without a word, or were said wrongly."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgen.cli.starter import starter_text
from netgen.pipeline import compile_blueprint
from netgen.problems import ProblemError

HEAD = "from netgen import *\n"


def errors(path: Path) -> list[str]:
    with pytest.raises(ProblemError) as e:
        compile_blueprint(path)
    return [d.render() for d in e.value.problems]


def test_a_service_calling_itself_is_an_error(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """It used to vanish: no allow rule, no environment variable, no word."""
    path = blueprint_file(HEAD + "service('web', port=80, image='w')\ncalls('web', 'web')\n")
    assert errors(path) == [
        f"{path}:3: error: calls('web', 'web'): 'web' calls itself; calls() declares traffic "
        "between services (a service's pods reaching each other cannot be declared)"]


def test_exposing_an_external_is_said_once_and_rightly(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "env('development')\nenv('production')\n"
                          "external('payments', host='p.example.com', port=443)\n"
                          "expose('payments', via=ALB, path='/')\n")
    assert errors(path) == [f"{path}:5: error: expose('payments'): 'payments' is an "
                            "external; only a service can be exposed"]


def test_two_environments_in_one_namespace_is_an_error(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "env('development', namespace='shop', isolation=OPEN)\n"
                          "env('production', namespace='shop')\n"
                          "service('web', port=80, image='w')\n")
    assert errors(path) == [
        f"{path}:3: error: env('production'): namespace 'shop' is already environment "
        f"'development''s ({path}:2); each environment needs a namespace of its own"]


def test_the_starter_says_what_open_does() -> None:
    """OPEN is `allow-same-namespace`, not 'allows everything'."""
    text = starter_text("shop")
    assert "OPEN allows everything" not in text
    assert "OPEN also lets the\n# pods of a namespace reach each other and send anywhere" in text
