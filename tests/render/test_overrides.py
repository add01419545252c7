"""Template overrides: a user's folder (from --templates or the blueprint's templates=
setting) goes before the built-in templates, and a bad override is reported with the
override file's name and line, exit 1, nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.pipeline import compile_blueprint
from netgen.problems import ProblemError
from netgen.render import builtin_template
from tests.conftest import documents

BLUEPRINT = "from netgen import *\nblueprint('x', templates='house')\n" \
            "service('web', port=80, image='nginx')\n"
SERVICE = "kubernetes/service.yaml.j2"


@pytest.fixture
def house(tmp_path: Path) -> Path:
    """A blueprint with a `house` folder holding a copy of the built-in Service template."""
    (tmp_path / "bp.py").write_text(BLUEPRINT)
    target = tmp_path / "house" / SERVICE
    target.parent.mkdir(parents=True)
    shutil.copy(builtin_template(SERVICE), target)
    return target


def edit(template: Path, old: str, new: str) -> int:
    """Replaces the first line equal to `old`; returns the 1-based line of `new`'s start."""
    lines = template.read_text().split("\n")
    i = lines.index(old)
    lines[i] = new
    template.write_text("\n".join(lines))
    return i + 1


def services(path: Path, templates: tuple[Path, ...] = ()) -> list[dict]:
    (compiled,) = compile_blueprint(path, (), templates)
    return [d for d in documents(compiled) if d["kind"] == "Service"]


def test_blueprint_setting_adds_a_house_label(house: Path) -> None:
    edit(house, "  labels:", "  labels:\n    example.com/team: payments")
    (svc,) = services(house.parents[2] / "bp.py")
    assert svc["metadata"]["labels"]["example.com/team"] == "payments"
    assert svc["metadata"]["labels"]["app"] == "web"


def test_command_line_folder_goes_first(house: Path, tmp_path: Path) -> None:
    edit(house, "  labels:", "  labels:\n    example.com/team: payments")
    cli_dir = tmp_path / "cli" / SERVICE
    cli_dir.parent.mkdir(parents=True)
    shutil.copy(builtin_template(SERVICE), cli_dir)
    edit(cli_dir, "  labels:", "  labels:\n    example.com/team: platform")
    (svc,) = services(tmp_path / "bp.py", (tmp_path / "cli",))
    assert svc["metadata"]["labels"]["example.com/team"] == "platform"


def test_override_values_are_still_quoted(house: Path) -> None:
    """The override prints through the same quoting filter as the built-in templates."""
    edit(house, "  labels:", "  annotations:\n    house/owner: {{ 'a: b' }}\n  labels:")
    (svc,) = services(house.parents[2] / "bp.py")
    assert svc["metadata"]["annotations"] == {"house/owner": "a: b"}


def test_cli_build_with_templates_option(tmp_path: Path, house: Path) -> None:
    edit(house, "  labels:", "  labels:\n    example.com/team: payments")
    (tmp_path / "plain.py").write_text(BLUEPRINT.replace(", templates='house'", ""))
    result = CliRunner().invoke(app, ["build", str(tmp_path / "plain.py"), "--templates",
                                      str(tmp_path / "house"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "default" / "Service.web.yaml").read_text()
    assert "    example.com/team: payments\n" in text


def test_missing_template_folder(tmp_path: Path) -> None:
    (tmp_path / "bp.py").write_text(BLUEPRINT)
    with pytest.raises(ProblemError) as e:
        compile_blueprint(tmp_path / "bp.py")
    (d,) = e.value.problems
    assert d.render() == f"{tmp_path / 'bp.py'}:2: error: template folder " \
                         f"{tmp_path / 'house'} does not exist"


def bad_build(house: Path) -> tuple[int, str, Path]:
    root = house.parents[2]
    out = root / "out"
    result = CliRunner().invoke(app, ["build", str(root / "bp.py"), "--out", str(out)])
    return result.exit_code, result.stderr, out


def assert_reported(house: Path, line: int, message: str) -> None:
    code, stderr, out = bad_build(house)
    assert code == 1
    assert stderr.splitlines() == [f"{house}:{line}: error: {message}",
                                   "netgen: 1 error, nothing written"]
    assert not (out / "default").exists()


def test_syntax_error(house: Path) -> None:
    line = edit(house, "  type: {{ type }}", "  type: {{ type }")
    assert_reported(house, line, "unexpected '}'")


def test_undefined_variable(house: Path) -> None:
    line = edit(house, "  labels:", "  labels:\n    team: {{ team }}") + 1
    assert_reported(house, line, "'team' is undefined")


def test_invalid_yaml_names_the_template_line(house: Path) -> None:
    line = edit(house, "  labels:", "  labels:\n    team: payments: yes") + 1
    assert_reported(house, line, "Service 'web': renders invalid YAML (output line 7: "
                                 "'team: payments: yes'): mapping values are not allowed "
                                 "in this context")


def test_invalid_yaml_after_a_loop(house: Path) -> None:
    text = house.read_text()
    house.write_text(text + "  - stray\n")
    line = text.count("\n") + 1
    code, stderr, _ = bad_build(house)
    assert code == 1
    assert stderr.startswith(f"{house}:{line}: error: Service 'web': renders invalid YAML "
                             "(output line ")


def test_override_may_not_rename_the_object(house: Path) -> None:
    line = edit(house, "  name: {{ name }}", "  name: house-{{ name }}")
    assert_reported(house, line, "Service 'web': renders name 'house-web' where netgen "
                                 "expects 'web'; an override may add to an object, not "
                                 "rename or move it")


def test_override_must_render_one_document(house: Path) -> None:
    house.write_text(house.read_text() + "---\nkind: Extra\n")
    code, stderr, out = bad_build(house)
    assert code == 1
    assert (f"{house}: error: Service 'web': must render one YAML document, not 2"
            in stderr.splitlines())  # the whole file, not a line 0 (`file:0:` it said)
    assert not (out / "default").exists()


def test_builtin_templates_are_not_parsed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path
                                          ) -> None:
    """The YAML check costs nothing when nothing is overridden."""
    import netgen.render as render

    def boom(*args: object) -> None:
        raise AssertionError("parsed a built-in template's output")

    monkeypatch.setattr(render, "check_output", boom)
    (tmp_path / "bp.py").write_text("from netgen import *\nservice('web', port=80, image='n')\n")
    assert services(tmp_path / "bp.py")


def test_an_override_that_renders_forever_is_stopped_and_named(
    house: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Overrides are code with the blueprint's trust, but an endless loop in one must end
    like one in the blueprint: a diagnostic naming the override, not a build that hangs."""
    line = edit(house, "  labels:",
                "  labels:\n{% for i in range(10**12) %}{% set x = i %}{% endfor %}")
    monkeypatch.setattr("netgen.render.RENDER_TIMEOUT", 0.5)
    result = CliRunner().invoke(app, ["build", str(house.parents[2] / "bp.py"), "--stdout"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"{house}:{line + 1}: error: rendering did not finish "
                                    "within 0.5 s (an endless loop in the override?)")
