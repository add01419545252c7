"""The words `via=` and `mesh(...)` take are the targets' own (`targets/<t>/tokens.py`), the
registry collects them, and everything else derives from it: the blueprint language, the
ECS importer's `--via`, the property tests. So no module outside the targets names one
(but the documented exceptions below), and none keeps a list of them."""

import ast
import copy
import pickle
import subprocess
import sys
from pathlib import Path

import netgen
from netgen.model import Token
from netgen.targets.registry import REGISTRY

NETGEN = Path(__file__).resolve().parents[2] / "netgen"
REPO = NETGEN.parent

# Modules outside the targets that may name a token, and which.
NAMED = {
    # the defaults of expose(via=) and mesh(kind), from the targets that define them
    "dsl.py": {"CLUSTER", "ISTIO"},
}


def test_the_registry_knows_every_token_once() -> None:
    tokens = REGISTRY.tokens()
    assert all(isinstance(t, Token) and t.name == name for name, t in tokens.items())
    assert [t.name for t in REGISTRY.vias()] == [
        "CLUSTER", "NODEPORT", "NLB", "ALB", "NGINX", "GATEWAY", "TCP", "ISTIO"]
    assert [m.kind.name for m in REGISTRY.meshes()] == ["ISTIO", "LINKERD"]
    assert list(tokens) == [*(t.name for t in REGISTRY.vias()), "LINKERD"]


def test_every_token_is_a_name_of_the_language() -> None:
    for name, token in REGISTRY.tokens().items():
        assert getattr(netgen, name) is token
        assert repr(token) == name
    star: dict[str, object] = {}
    exec("from netgen import *", star)  # what a blueprint does
    assert all(star[name] is token for name, token in REGISTRY.tokens().items())
    assert set(netgen.__all__) == {n for n in star if n != "__builtins__"}
    assert {"expose", "mesh", "STRICT", "RESTRICTED"} <= set(netgen.__all__)


def test_the_dsl_defaults_are_the_targets_tokens() -> None:
    from netgen import dsl

    assert dsl.expose.__defaults__ == (netgen.CLUSTER,)
    assert dsl.mesh.__defaults__ == (netgen.ISTIO,)


def test_a_token_survives_pickling_and_copying_as_itself() -> None:
    """Tokens compare by identity; a pickled plan (the rebuild fingerprint pickles plans)
    or a copy must not make a second ALB."""
    for token in REGISTRY.tokens().values():
        assert pickle.loads(pickle.dumps(token)) is token
        assert copy.deepcopy(token) is token


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    for name in ("NOPE", "nope", "Via"):
        assert not hasattr(netgen, name)


def _probe(code: str) -> list[str]:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True)
    return sorted(run.stdout.split())


def test_the_version_and_a_tokens_module_load_no_target() -> None:
    """`netgen --version` (timed by bench/run.py) must not import the registry, and a
    target's tokens module (which the DSL imports) must not load its target."""
    loaded = ("import sys\n{}\nprint(*(m for m in sys.modules if m.startswith"
              "(('netgen.targets.', 'netgen.plan', 'netgen.render', 'netgen.dsl'))))")
    assert _probe(loaded.format("import netgen; netgen.__version__; from netgen import cli")) == []
    assert _probe(loaded.format("import netgen.targets.aws_alb.tokens")) == [
        "netgen.targets.aws_alb", "netgen.targets.aws_alb.tokens"]


def test_tokens_modules_import_only_the_model() -> None:
    found = sorted(NETGEN.glob("targets/*/tokens.py"))
    assert len(found) >= 6
    for path in found:
        imported = {n.module for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                    if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(n, ast.Import) for a in n.names}
        assert imported == {"netgen.model"}, path


def named_tokens(root: Path, names: set[str]) -> dict[str, set[str]]:
    """{module: the token names it uses}, for every module outside `targets/`: a bare name
    (`ISTIO`, also as imported), or an attribute of `Via`, `Token` or `netgen`."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("targets/"):
            continue
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Name):
                word = n.id
            elif isinstance(n, ast.alias):
                word = n.name
            elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) \
                    and n.value.id in ("Via", "Token", "netgen"):
                word = n.attr
            else:
                continue
            if word in names:
                found.setdefault(rel, set()).add(word)
    return found


def test_no_module_outside_the_targets_names_a_token() -> None:
    assert named_tokens(NETGEN, set(REGISTRY.tokens())) == NAMED


def test_a_named_token_is_found(tmp_path: Path) -> None:
    (tmp_path / "lint.py").write_text(
        "from netgen import ALB\nLB = {Via.NLB: 1, ALB: 2}\nL = Layer.CLUSTER\n")
    (tmp_path / "targets").mkdir()
    (tmp_path / "targets" / "x.py").write_text("L7 = (ALB, NGINX)\n")
    assert named_tokens(tmp_path, {"ALB", "NLB", "NGINX", "CLUSTER"}) == {
        "lint.py": {"ALB", "NLB"}}
