"""Values of the wrong type, unknown arguments and strings YAML cannot hold: each is a
diagnostic at the declaration's line, and resolving stops before anything else reads the
value. The validators' own wording comes first where they have some for that argument."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.pipeline import compile_blueprint
from netgen.problems import ProblemError

HEAD = "from netgen import *\n"

CASES = {
    "name of the wrong type": (
        "service(1.5, port=80, image='w')\n",
        ["service(1.5): name=1.5 must be a string",
         "service(1.5): service name 1.5 is not a valid DNS-1035 label (lowercase letters, "
         "digits and '-', starting with a letter, at most 63 characters)"]),
    "versions as one string": (
        "service('api', port=80, image='a', versions='v1')\n",
        ["service('api'): version '1' is not a valid DNS-1035 label (lowercase letters, "
         "digits and '-', starting with a letter, at most 63 characters)",
         "service('api'): versions='v1' must be a list of strings"]),
    "labels as a string": (
        "service('api', port=80, image='a', labels='team=x')\n",
        ["service('api'): labels='team=x' must be a mapping of strings"]),
    "label value a number": (
        "env('dev', labels={'team': 7})\nservice('api', port=80, image='a')\n",
        ["env('dev'): label team=7: value must be at most 63 letters, digits, '-', '_', '.'",
         "env('dev'): labels={'team': 7} must be a mapping of strings to strings"]),
    "port too large to print": (
        "service('api', port=10**5000, image='a')\n",
        ["service('api'): port=<int> must be a whole number"]),
    "health check as a dict": (
        "service('web', port=80, image='w')\nexpose('web', via=NLB, health={'path': '/'})\n",
        ["expose('web'): health={'path': '/'} must be a path or health_check('/path', ...)"]),
    "header with a number": (
        "service('web', port=80, image='w')\nexpose('web', via=NLB, match=header('X', 1))\n",
        ["expose('web'): header 'X' value 1 must be a non-empty string of at most 4096 "
         "characters",
         "expose('web'): match=(HeaderMatch(name='X', value=1, wildcards=False),): value=1 "
         "must be a string"]),
    "via as a string": (
        "service('web', port=80, image='w')\nexpose('web', via='ALB')\n",
        ["expose('web'): via='ALB' must be one of CLUSTER, NODEPORT, NLB, ALB, NGINX, GATEWAY, "
         "TCP, ISTIO"]),
    "callee of the wrong type": (
        "service('web', port=80, image='w')\ncalls('web', ['api'])\n",
        ["calls('web'): callees=(['api'],) must be a list of strings"]),
    "lone surrogate in an image": (
        "service('web', port=80, image='web\\udc80')\n",
        ["service('web'): image='web\\udc80' holds the lone surrogate U+DC80, which is not a "
         "character and cannot be written as YAML"]),
    "misspelt argument": (
        "service('web', port=80, image='w', helth='/h')\n",
        ["service('web'): unknown argument helth='/h' (did you mean 'health'?)"]),
    "misspelt expose argument": (
        "service('web', port=80, image='w')\nexpose('web', via=NLB, shceme='internal')\n",
        ["expose('web'): unknown argument shceme='internal' (did you mean 'scheme'?)"]),
    "env label app would break the selector": (
        "env('dev', labels={'app': 'x'})\nservice('web', port=80, image='w')\n",
        ["env('dev'): label 'app' is set by netgen and cannot be overridden"]),
    "label netgen sets on every object": (
        "service('web', port=80, image='w', labels={'app.kubernetes.io/managed-by': 'helm'})\n",
        ["service('web'): label 'app.kubernetes.io/managed-by' is set by netgen and cannot "
         "be overridden"]),
    "tier twice": (
        "service('web', port=80, image='w', tier='front', labels={'tier': 'back'})\n",
        ["service('web'): label 'tier' is set by tier='front'; give one of them"]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_wrong_value(case: str, blueprint_file) -> None:  # type: ignore[no-untyped-def]
    source, expected = CASES[case]
    path = blueprint_file(HEAD + source)
    with pytest.raises(ProblemError) as caught:
        compile_blueprint(path)
    messages = [d.message for d in caught.value.problems]
    assert messages == expected
    last = source.count("\n") + 1
    assert all(d.loc is not None and d.loc.line in range(2, last + 1)
               for d in caught.value.problems)


def test_templates_setting_of_the_wrong_type(blueprint_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "blueprint('x', templates=5)\nservice('w', port=80, image='w')\n")
    result = CliRunner().invoke(app, ["build", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert f"{path}:2: error: blueprint(): templates=5 must be a folder (a path)" in result.stderr


def test_a_plan_that_cannot_be_pickled_is_always_rebuilt(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """Settings are checked by name now, but a plan may still hold a value the rebuild
    cache cannot fingerprint: it just means the environment is always rendered."""
    from attrs import evolve

    from netgen.output.state import plan_fingerprint
    from netgen.pipeline import compile_blueprint as compiled

    path = blueprint_file(HEAD + "blueprint('x')\nservice('w', port=80, image='w')\n")
    (c,) = compiled(path)
    plan = evolve(c.plan, settings={"note": lambda: 1})
    assert plan_fingerprint(plan, b"") != plan_fingerprint(plan, b"")
    assert plan_fingerprint(c.plan, b"") == plan_fingerprint(c.plan, b"")
