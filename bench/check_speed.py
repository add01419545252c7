"""Whole-process time of `netgen check` on the README's examples, and the two CEL runtimes
measured on the rules of the shipped Gateway API and Istio CRDs.

    python bench/check_speed.py [--runs 9]

Prints the minimum and the median of `--runs` runs of `netgen check blueprints/mesh.py` (and
gateway_api.py) as a new process each, with no flags: the target is under 0.5 s. Then, for
cel-expr-python (the runtime netgen uses) and, if it is installed, common-expression-language
(`pip install common-expression-language`): import time, time to compile every distinct rule,
how many compile, and whether both give the same verdicts on the rule inputs of the
conformance suite (tests/validate/cel_conformance.py). Not a test: timings depend on the
machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "validate"))


def whole_process(args: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "netgen", *args], cwd=REPO, capture_output=True,
                       check=False)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def timed_import(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    return float(out.stdout) if out.returncode == 0 else float("nan")


def rules() -> list[str]:
    from netgen.validate.shipped import shipped_index

    names = ("gateway-api-v1.6.1-standard", "gateway-api-v1.6.1-experimental", "istio-1.30.3")
    return sorted({r.rule for n in names for v in shipped_index(n) for _, r in v.rules()})


def cel_cpp(sources: list[str]) -> tuple[float, int]:
    from netgen.validate import cel as ours

    env, _ = ours._envs()
    start, ok = time.perf_counter(), 0
    for s in sources:
        try:
            env.compile(s)
            ok += 1
        except RuntimeError:
            pass
    return time.perf_counter() - start, ok


def cel_rust(sources: list[str]) -> tuple[float, int, Any]:
    import cel as rust  # common-expression-language

    start, ok, programs = time.perf_counter(), 0, {}
    for s in sources:
        try:
            programs[s] = rust.compile(s)
            ok += 1
        except Exception:
            pass
    return time.perf_counter() - start, ok, programs


def agreement(programs: dict[str, Any]) -> tuple[int, list[str]]:
    """Verdicts of the Rust runtime (with the Kubernetes functions of `cel_k8s` registered)
    against ours on the conformance suite's inputs."""
    import cel as rust
    from cel.stdlib import STDLIB_FUNCTIONS
    from cel_conformance import rule_cases, verdict

    from netgen.validate import cel_k8s

    functions = {**STDLIB_FUNCTIONS, "isURL": cel_k8s.is_url, "url": cel_k8s.url,
                 "isIP": cel_k8s.is_ip, "isCIDR": cel_k8s.is_cidr,
                 "getScheme": cel_k8s.request_uri_scheme,
                 "format.dns1123Label": lambda: "dns1123Label",
                 "validate": cel_k8s.validate_format}
    compared, differ = 0, []
    for where, rule, value in rule_cases():
        program = programs.get(rule.rule)
        if program is None or rule.program is None or rule.is_transition_rule:
            continue
        try:
            got = program.execute(rust.Context({"self": value}, functions))
            theirs = {True: "true", False: "false"}.get(got, "not-bool") if isinstance(
                got, bool) else "not-bool"
        except Exception:
            theirs = "error"
        compared += 1
        ours = verdict(rule)(value)
        if ours != theirs:
            differ.append(f"{where}: {rule.rule[:60]!r}: ours {ours}, cel-rust {theirs}")
    return compared, differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    for bp in ("blueprints/mesh.py", "blueprints/gateway_api.py"):
        low, mid = whole_process(["check", bp], args.runs)
        print(f"netgen check {bp}: min {low:.3f} s, median {mid:.3f} s "
              f"({args.runs} runs, whole process; target < 0.5 s)")
    low, mid = whole_process(["--help"], args.runs)
    print(f"netgen --help (start-up floor): min {low:.3f} s, median {mid:.3f} s")
    sources = rules()
    print(f"\n{len(sources)} distinct CEL rules (Gateway API standard + experimental, Istio)")
    elapsed, ok = cel_cpp(sources)
    print(f"cel-expr-python: import {timed_import('cel_expr_python.cel') * 1000:.0f} ms; "
          f"compile all: {elapsed * 1000:.0f} ms, {ok} of {len(sources)} compile")
    try:
        import cel  # noqa: F401
    except ImportError:
        print("common-expression-language: not installed "
              "(pip install common-expression-language to compare)")
        return
    elapsed, ok, programs = cel_rust(sources)
    print(f"common-expression-language: import {timed_import('cel') * 1000:.0f} ms; "
          f"compile all: {elapsed * 1000:.0f} ms, {ok} of {len(sources)} compile "
          "(it does not check function names at compile time)")
    compared, differ = agreement(programs)
    print(f"verdicts compared with ours on the conformance inputs: {compared}, "
          f"{len(differ)} differ")
    for line in differ[:15]:
        print("  " + line)
    print("(cel-rust prints a line on stderr for each Python function that raised)")


if __name__ == "__main__":
    main()
