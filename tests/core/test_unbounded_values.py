"""Values found by attacking netgen that used to end in an internal error (exit 70) or in
YAML that does not parse: each is now a `file:line` diagnostic, or YAML that parses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from netgen.cli import app
from netgen.render.yamltext import block
from tests.conftest import parse

HEAD = "from netgen import *\n"


def build(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["build", str(path), "--stdout", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("source", "message"), [
    ("x = []\nx.append(x)\nservice('web', port=80, image='w', command=x)\n",
     "service('web'): command=([[...]],) contains itself"),
    ("x = {}\nx['a'] = x\nservice('web', port=80, image='w', env_vars=x)\n",
     "service('web'): env_vars={'a': {...}} contains itself"),
    ("x = ['a']\nfor _ in range(1000):\n    x = [x]\nservice('web', port=80, image='w', "
     "command=x)\n", "service('web'): command=<tuple> is nested more than 32 levels deep"),
    ("x = 'a'\nfor _ in range(1000):\n    x = {'k': x}\nservice('web', port=80, image='w', "
     "labels=x)\n", "is nested more than 32 levels deep"),
    ("x = []\nx.append(x)\nenv('prod', vpc_cidr=x)\nservice('web', port=80, image='w')\n",
     "env('prod'): settings={'vpc_cidr': [[...]]} contains itself"),
    ("service('api', port=80, image='a', versions={'v1': version(image='img\\udcff'), "
     "'v2': version(image='b')})\n", "image='img\\udcff' holds the lone surrogate U+DCFF"),
])
def test_values_that_recurse_or_are_not_text_are_diagnostics(
    blueprint_file, source: str, message: str  # type: ignore[no-untyped-def]
) -> None:
    path = blueprint_file(HEAD + source)
    code, out, err = build(path)
    assert code == 1, err
    assert message in err and f"{path}:" in err
    assert "internal error" not in err and out == ""


def test_a_header_name_longer_than_yamls_key_limit_still_parses(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    name = "X" + "y" * 1100
    path = blueprint_file(HEAD + "mesh(ISTIO)\nservice('api', port=80, image='a', "
                          "versions=['v1', 'v2'])\n"
                          f"expose('api', via=ISTIO, host='a.example.com', "
                          f"match=header('{name}', 'v2'), canary=0.5)\n")
    code, out, err = build(path)
    assert code == 0, err
    matched = [list(m["headers"]) for d in parse(out) if d["kind"] == "VirtualService"
               for r in d["spec"]["http"] for m in r.get("match", ()) if "headers" in m]
    assert matched and all(headers == [name.lower()] for headers in matched)


@pytest.mark.parametrize("key", ["k" * 1001, "é" * 600, "a: b" * 300])
def test_a_long_key_is_written_as_an_explicit_key(key: str) -> None:
    value = {"outer": {key: {"exact": "v"}, "short": [{key: 1}]}}
    assert yaml.safe_load("root:\n" + block(value, 2)) == {"root": value}
