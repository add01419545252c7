"""A string in an ECS export that is not text (a NUL, a lone surrogate from a `\\udcff`
escape) is a problem with its file and JSON path, not a blueprint that is not valid Python
or YAML that does not parse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from tests.importers.ecs_helpers import shop_documents


@pytest.mark.parametrize(("text", "what"), [("\0", "a NUL character"),
                                            ("\udcff", "the lone surrogate U+DCFF")])
@pytest.mark.parametrize("where", ["serviceName", "key"])
def test_a_string_that_is_not_text_is_a_problem(
    tmp_path: Path, text: str, what: str, where: str
) -> None:
    docs = shop_documents()
    service = docs["ecs-services.json"]["services"][0]
    if where == "key":
        service["tags"] = [{"key": "team", "value": "shop"}]
        service["tags"][0]["x" + text] = "y"
        path = "$.services[0].tags[0] (a key)"
    else:
        service["serviceName"] += text
        path = "$.services[0].serviceName"
    export = tmp_path / "export"
    export.mkdir()
    for name, doc in docs.items():
        (export / name).write_text(json.dumps(doc))  # ensure_ascii: "\\u0000", "\\udcff"
    output = tmp_path / "bp.py"
    result = CliRunner().invoke(app, ["import", "ecs", str(export), "-o", str(output)])
    assert result.exit_code == 1, result.output
    assert (f"ecs-services.json: {path}: error: the string holds {what}, which is not text"
            in result.stderr)
    assert not output.exists()
