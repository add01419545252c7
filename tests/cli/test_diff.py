"""`netgen diff`: per-object unified diffs and summaries of what a build would change,
exit 1 when something would (a CI gate), against out/ or the blueprint at a git revision."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from tests.conftest import BLUEPRINTS

SHOP = "from netgen import *\nblueprint('shop')\nenv('dev')\nenv('prod', replicas=3)\n" \
       "service('web', port=80, image='shop/web:1.4')\nservice('api', port=8080, image='a:1')\n" \
       "calls('web', 'api')\n"


def netgen(*args: str | Path, color: bool = False) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], color=color)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    bp = tmp_path / "shop.py"
    bp.write_text(SHOP)
    out = tmp_path / "out"
    code, _, stderr = netgen("build", bp, "--out", out)
    assert code == 0, stderr
    return bp, out


def test_up_to_date_is_exit_0(built: tuple[Path, Path]) -> None:
    bp, out = built
    code, stdout, stderr = netgen("diff", bp, "--out", out)
    assert (code, stdout) == (0, "")
    assert stderr == f"netgen: {bp} vs {out}: no changes\n"


def lines_of(path: Path) -> int:
    return path.read_text().count("\n")


def test_empty_out_is_all_added(built: tuple[Path, Path], tmp_path: Path) -> None:
    bp, out = built
    code, stdout, _ = netgen("diff", bp, "--out", tmp_path / "empty", "--summary", "-e", "dev")
    assert code == 1
    names = sorted(p.name for p in (out / "dev").iterdir() if not p.name.startswith("."))
    assert names == ["00-Namespace.dev.yaml", "Deployment.api.yaml", "Deployment.web.yaml",
                     "Kustomization", "NetworkPolicy.allow-dns.yaml", "NetworkPolicy.api.yaml",
                     "NetworkPolicy.default-deny.yaml", "NetworkPolicy.web.yaml",
                     "Service.api.yaml", "Service.web.yaml"]
    assert stdout.splitlines() == [
        f"added    dev/{n} (+{lines_of(out / 'dev' / n)} -0)" for n in names]


def test_hand_edit_deletion_and_foreign_file(built: tuple[Path, Path]) -> None:
    bp, out = built
    web = out / "dev" / "Deployment.web.yaml"
    web.write_text(web.read_text().replace("image: shop/web:1.4", "image: shop/web:hotfix"))
    api = out / "prod" / "Service.api.yaml"
    api_text = api.read_text()
    api.unlink()
    (out / "dev" / "notes.txt").write_text("ours, not netgen's\n")
    (out / "dev" / "ConfigMap.extra.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")

    code, stdout, stderr = netgen("diff", bp, "--out", out)
    assert code == 1
    assert stderr == f"netgen: {bp} vs {out}: 1 added, 1 changed\n"
    o = out.as_posix()
    n = api_text.count("\n")
    assert stdout == (
        "changed  dev/Deployment.web.yaml (+1 -1)\n"
        f"--- a/{o}/dev/Deployment.web.yaml\n"
        f"+++ b/{o}/dev/Deployment.web.yaml\n"
        "@@ -25,7 +25,7 @@\n"
        "           type: RuntimeDefault\n"
        "       containers:\n"
        "         - name: web\n"
        "-          image: shop/web:hotfix\n"
        "+          image: shop/web:1.4\n"
        "           ports:\n"
        "             - name: http\n"
        "               containerPort: 80\n"
        f"added    prod/Service.api.yaml (+{n} -0)\n"
        "--- /dev/null\n"
        f"+++ b/{o}/prod/Service.api.yaml\n"
        f"@@ -0,0 +1,{n} @@\n"
        + "".join(f"+{line}\n" for line in api_text.splitlines())
    )


def test_removed_object(built: tuple[Path, Path]) -> None:
    bp, out = built
    bp.write_text(SHOP.replace("calls('web', 'api')\n", "").replace(
        "service('api', port=8080, image='a:1')\n", ""))
    code, stdout, _ = netgen("diff", bp, "--out", out, "-s", "-e", "prod")
    assert code == 1
    prod = out / "prod"
    assert stdout.splitlines() == [
        "changed  prod/Deployment.web.yaml (+0 -5)",  # API_HOST/API_PORT and `env:` go
        "changed  prod/Kustomization (+0 -5)",
        f"removed  prod/Deployment.api.yaml (+0 -{lines_of(prod / 'Deployment.api.yaml')})",
        # web called api: both halves of that rule go with it
        f"removed  prod/NetworkPolicy.api.yaml (+0 -{lines_of(prod / 'NetworkPolicy.api.yaml')})",
        f"removed  prod/NetworkPolicy.web.yaml (+0 -{lines_of(prod / 'NetworkPolicy.web.yaml')})",
        # two replicas in a STRICT environment: api had a PodDisruptionBudget
        f"removed  prod/PodDisruptionBudget.api.yaml "
        f"(+0 -{lines_of(prod / 'PodDisruptionBudget.api.yaml')})",
        f"removed  prod/Service.api.yaml (+0 -{lines_of(prod / 'Service.api.yaml')})",
    ]


def test_diff_applies_as_a_patch(built: tuple[Path, Path], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    bp, out = built
    monkeypatch.chdir(tmp_path)
    web = out / "dev" / "Deployment.web.yaml"
    web.write_text(web.read_text().replace("replicas: 1", "replicas: 7"))
    (out / "prod" / "Service.api.yaml").unlink()
    _, stdout, _ = netgen("diff", bp, "--out", "out")  # relative, as in a repository
    shutil.rmtree(out)
    netgen("build", bp, "--out", out)
    fresh = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    web.write_text(web.read_text().replace("replicas: 1", "replicas: 7"))
    (out / "prod" / "Service.api.yaml").unlink()
    subprocess.run(["patch", "-p1", "-s"], input=stdout.encode(), cwd=tmp_path, check=True)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == fresh


def test_diff_applies_as_a_patch_with_a_space_in_out(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`--- a/my out/...` without a tab made `patch -p1` read the file name `a/my`."""
    if shutil.which("patch") is None:
        pytest.skip("patch is not installed")
    bp = tmp_path / "shop.py"
    bp.write_text(SHOP)
    monkeypatch.chdir(tmp_path)
    netgen("build", bp, "--out", "my out")
    fresh = (tmp_path / "my out" / "dev" / "Deployment.web.yaml").read_bytes()
    web = tmp_path / "my out" / "dev" / "Deployment.web.yaml"
    web.write_text(web.read_text().replace("replicas: 1", "replicas: 7"))
    _, stdout, _ = netgen("diff", bp, "--out", "my out")
    assert "--- a/my out/dev/Deployment.web.yaml\t\n" in stdout
    subprocess.run(["patch", "-p1", "-s"], input=stdout.encode(), cwd=tmp_path, check=True)
    assert web.read_bytes() == fresh


def test_quiet_prints_nothing(built: tuple[Path, Path]) -> None:
    bp, out = built
    (out / "dev" / "Service.web.yaml").unlink()
    assert netgen("diff", bp, "--out", out, "--quiet") == (1, "", "")


def test_foreign_file_in_the_way_is_exit_3(built: tuple[Path, Path]) -> None:
    bp, out = built
    (out / "dev" / "Service.web.yaml").write_text("apiVersion: v1\nkind: Service\n")
    code, _, stderr = netgen("diff", bp, "--out", out)
    assert code == 3
    assert "dev/Service.web.yaml exists and was not written by netgen" in stderr


def test_blueprint_error_is_exit_1(tmp_path: Path) -> None:
    bp = tmp_path / "bad.py"
    bp.write_text("from netgen import *\ncalls('a', 'b')\n")
    code, stdout, stderr = netgen("diff", bp, "--out", tmp_path / "out")
    assert (code, stdout) == (1, "")
    assert f"{bp}:2: error: calls('a', 'b'): no service named 'a'" in stderr


def test_colour_only_on_a_terminal(built: tuple[Path, Path],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    bp, out = built
    (out / "dev" / "Service.web.yaml").unlink()
    _, plain, _ = netgen("diff", bp, "--out", out)
    _, coloured, _ = netgen("diff", bp, "--out", out, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[32m" in coloured and "\x1b[" in coloured.splitlines()[0]
    monkeypatch.setenv("NO_COLOR", "1")
    _, no_color, _ = netgen("diff", bp, "--out", out, color=True)
    assert no_color == plain
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")  # a terminal that says it has no colours
    _, dumb, _ = netgen("diff", bp, "--out", out, color=True)
    assert dumb == plain


# --against REF: the blueprint at a git revision, built in memory


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "deploy").mkdir(parents=True)
    (root / "deploy" / "shop.py").write_text(SHOP)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "first")
    return root


def test_against_a_revision(repo: Path) -> None:
    bp = repo / "deploy" / "shop.py"
    code, stdout, stderr = netgen("diff", bp, "--against", "HEAD")
    assert (code, stdout) == (0, "")
    assert stderr == f"netgen: {bp} vs {bp} at HEAD: no changes\n"

    bp.write_text(SHOP.replace("service('api', port=8080", "service('api', port=9090"))
    code, stdout, stderr = netgen("diff", bp, "--against", "HEAD", "-e", "prod")
    assert code == 1
    assert [line for line in stdout.splitlines() if not line.startswith((" ", "@"))] == [
        "changed  prod/Deployment.api.yaml (+1 -1)",
        "--- a/prod/Deployment.api.yaml",
        "+++ b/prod/Deployment.api.yaml",
        "-              containerPort: 8080",
        "+              containerPort: 9090",
        "changed  prod/Deployment.web.yaml (+1 -1)",
        "--- a/prod/Deployment.web.yaml",
        "+++ b/prod/Deployment.web.yaml",
        '-              value: "8080"',
        '+              value: "9090"',
        "changed  prod/NetworkPolicy.api.yaml (+1 -1)",  # pods are reached on the new port
        "--- a/prod/NetworkPolicy.api.yaml",
        "+++ b/prod/NetworkPolicy.api.yaml",
        "-          port: 8080",
        "+          port: 9090",
        "changed  prod/NetworkPolicy.web.yaml (+1 -1)",
        "--- a/prod/NetworkPolicy.web.yaml",
        "+++ b/prod/NetworkPolicy.web.yaml",
        "-          port: 8080",
        "+          port: 9090",
        "changed  prod/Service.api.yaml (+2 -2)",
        "--- a/prod/Service.api.yaml",
        "+++ b/prod/Service.api.yaml",
        "-      port: 8080",
        "-      targetPort: 8080",
        "+      port: 9090",
        "+      targetPort: 9090",
    ]
    assert stderr == f"netgen: {bp} vs {bp} at HEAD: 5 changed\n"


def test_against_an_older_revision_with_another_environment(repo: Path) -> None:
    bp = repo / "deploy" / "shop.py"
    bp.write_text(SHOP + "env('staging')\n")
    git(repo, "commit", "-qam", "staging")
    code, stdout, _ = netgen("diff", bp, "--against", "HEAD~1", "-s")
    assert code == 1
    assert [line.split()[1] for line in stdout.splitlines()] == [
        "staging/00-Namespace.staging.yaml", "staging/Deployment.api.yaml",
        "staging/Deployment.web.yaml", "staging/Kustomization",
        "staging/NetworkPolicy.allow-dns.yaml", "staging/NetworkPolicy.api.yaml",
        "staging/NetworkPolicy.default-deny.yaml", "staging/NetworkPolicy.web.yaml",
        "staging/Service.api.yaml", "staging/Service.web.yaml"]
    assert {line.split()[0] for line in stdout.splitlines()} == {"added"}


def test_against_from_another_working_directory(repo: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    assert netgen("diff", "repo/deploy/shop.py", "--against", "HEAD", "-q")[0] == 0


def test_against_outside_a_repository(tmp_path: Path) -> None:
    bp = tmp_path / "shop.py"
    bp.write_text(SHOP)
    code, _, stderr = netgen("diff", bp, "--against", "HEAD")
    assert code == 2  # a wrong --against, not "something would change"
    assert stderr == (f"netgen: {bp} is not in a git repository; --against compares with "
                      "the blueprint at a git revision\n")


def test_against_a_missing_file_or_revision(repo: Path) -> None:
    new = repo / "deploy" / "new.py"
    new.write_text(SHOP)
    code, _, stderr = netgen("diff", new, "--against", "HEAD")
    assert (code, stderr) == (2, f"netgen: {new} does not exist at revision 'HEAD'\n")
    code, _, stderr = netgen("diff", repo / "deploy" / "shop.py", "--against", "no-such-ref")
    assert code == 2
    assert stderr == f"netgen: 'no-such-ref' is not a revision of the git repository at " \
                     f"{repo.resolve()}\n"


def test_against_reports_errors_at_the_revision(repo: Path) -> None:
    bp = repo / "deploy" / "shop.py"
    bp.write_text(SHOP + "calls('web', 'nope')\n")
    git(repo, "commit", "-qam", "broken")
    bp.write_text(SHOP)
    code, _, stderr = netgen("diff", bp, "--against", "HEAD")
    assert code == 1
    assert stderr.splitlines()[0] == (f"HEAD:{bp}:8: error: calls('web', 'nope'): no service "
                                      "or external named 'nope'")


def test_against_keeps_the_default_name(repo: Path) -> None:
    """The temporary copy keeps the file name, which names a blueprint without blueprint()."""
    bp = repo / "deploy" / "shop.py"
    bp.write_text(SHOP.replace("blueprint('shop')\n", ""))
    git(repo, "commit", "-qam", "no name")
    assert netgen("diff", bp, "--against", "HEAD", "-q")[0] == 0


def test_the_example_is_up_to_date_with_itself(tmp_path: Path) -> None:
    out = tmp_path / "out"
    netgen("build", BLUEPRINTS / "shop.py", "--out", out)
    assert netgen("diff", BLUEPRINTS / "shop.py", "--out", out, "-q")[0] == 0
