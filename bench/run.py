"""The netgen benchmark: whole `netgen build` processes on generated systems of N services.

    python bench/run.py                                 # N = 10, 100, 1000; 5 runs each
    python bench/run.py --sizes 10,100,1000 --runs 5 --no-cdk8s
    python bench/run.py --sizes 1000 --via NGINX --cdk8s node --json results.json

Run it from the repository root with the python of netgen's virtualenv: the netgen under
test is this checkout (`python -m netgen` with the checkout first on PYTHONPATH) unless
`--netgen CMD` names another. For each N it prints wall time (median and min of --runs
whole processes), peak memory (the child's ru_maxrss from wait4), documents and bytes of

- a full build into an empty folder;
- a rebuild with nothing changed, checking that no file or folder in out/ was touched
  (inode, mtime and size of everything compared before and after);
- a rebuild after one service's image changed (files actually rewritten are counted);
- the floor: PyYAML's C dumper `yaml.dump_all(docs, Dumper=CSafeDumper)` and `json.dumps`
  of the very documents netgen wrote, timed inside a separate process after loading them;
- the cdk8s-plus peer (node and/or Python flavours of bench/cdk8s), installed on demand
  into a cache folder (`--cdk8s-dir`), or "not available" with the reason;

then the growth from the second largest to the largest N and the targets of issues 8 and 18,
and the machine's speed at the start, after each N and at the end (`measure.PROBE`).
No test framework, no timed assertions: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import measure
import peers
import workload
from measure import ChildFailed, Run, Series

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent

TARGET_SECONDS = 1.5
TARGET_RSS_MIB = 300


@dataclass
class Row:
    label: str
    series: Series | None = None
    docs: int | None = None
    size: int | None = None
    note: str = ""
    seconds: list[float] = field(default_factory=list)  # in-process timings (the floor)
    cpu_seconds: list[float] = field(default_factory=list)
    peak_mib: float | None = None

    @property
    def times(self) -> list[float]:
        if self.seconds:
            return self.seconds
        return [r.seconds for r in self.series.runs] if self.series else []

    @property
    def cpu(self) -> list[float]:
        if self.cpu_seconds:
            return self.cpu_seconds
        return [r.cpu_seconds for r in self.series.runs] if self.series else []

    @property
    def sys(self) -> list[float]:
        return [r.sys_seconds for r in self.series.runs] if self.series else []

    @property
    def peak(self) -> float | None:
        if self.peak_mib is not None:
            return self.peak_mib
        return self.series.peak_mib if self.series and self.series.runs else None

    def as_dict(self) -> dict[str, object]:
        return {"label": self.label, "seconds": self.times, "cpu_seconds": self.cpu,
                "sys_seconds": self.sys,
                "peak_rss_mib": self.peak, "docs": self.docs, "bytes": self.size,
                "note": self.note}


@dataclass
class Netgen:
    argv: list[str]
    env: dict[str, str]

    def build(self, blueprint: Path, out: Path) -> Run:
        return measure.run_once([*self.argv, "build", str(blueprint), "--out", str(out), "-q"],
                                env=self.env)


def netgen_command(spec: str | None, bytecode: bool) -> Netgen:
    """Bytecode caching stays on, as for users: a PYTHONDONTWRITEBYTECODE inherited from a CI
    or sandbox would recompile netgen (and the blueprint) from source on every build."""
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    if spec:
        return Netgen(shlex.split(spec), env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return Netgen([sys.executable, "-m", "netgen"], env)


def choose_via(netgen: Netgen, wanted: str, scratch: Path) -> tuple[str, str]:
    """The HTTP backend to expose services with, if this netgen has it; else the fallback mix.
    A tiny canary build decides, so a backend works here as soon as it is merged."""
    candidates = workload.HTTP_VIAS if wanted == "auto" else (wanted,)
    if wanted == "FALLBACK":
        return "FALLBACK", "NODEPORT/NLB/CLUSTER mix (asked for)"
    reasons = []
    for via in candidates:
        probe = scratch / f"probe_{via.lower()}.py"
        probe.write_text(workload.PROBE.format(via=via))
        try:
            measure.run_once([*netgen.argv, "build", str(probe), "--stdout"], env=netgen.env)
            return via, f"{via}, with a {workload.CANARY:.0%} canary on half the exposed services"
        except ChildFailed as e:
            lines = [line.strip() for line in str(e).splitlines() if line.strip()]
            said = next((line.split("error:", 1)[1].strip() for line in lines
                         if "error:" in line), lines[-1])
            reasons.append(f"{via}: {said}")
    if wanted != "auto":
        sys.exit(f"--via {wanted} does not build with this netgen: {reasons[0]}")
    return "FALLBACK", ("NODEPORT/NLB/CLUSTER mix, no canary (no HTTP backend builds yet: "
                        + "; ".join(reasons) + ")")


def series(n: int, fn: object) -> Series:
    s = Series()
    for i in range(n):
        s.runs.append(fn(i))  # type: ignore[operator]
    return s


def bench_netgen(netgen: Netgen, folder: Path, system: workload.System, runs: int) -> list[Row]:
    blueprint = folder / "blueprint.py"
    original = workload.blueprint_source(system)
    blueprint.write_text(original)
    one = workload.service_name(1)
    edited = workload.blueprint_source(system, {one: "registry.example.com/other:9"})
    out = folder / "out"

    def full(i: int) -> Run:
        # Each into a folder of its own, kept until the end: deleting 10,000 files just
        # before (even after a sync) slows the next build's file creation several-fold on
        # a filesystem mounted with `discard`, which measured the disk, not netgen.
        return netgen.build(blueprint, folder / f"out-full-{i}")

    full_runs = series(runs, full)
    (folder / f"out-full-{runs - 1}").rename(out)
    docs, size = measure.tree_stats(out)
    rows = [Row("netgen build, empty out/", full_runs, docs, size)]

    touched_noop: list[str] = []

    def noop(_: int) -> Run:
        before = measure.snapshot(out)
        run = netgen.build(blueprint, out)
        touched_noop.extend(measure.touched(before, measure.snapshot(out)))
        return run

    noop_runs = series(runs, noop)
    note = ("no file or folder touched" if not touched_noop
            else f"TOUCHED {len(touched_noop)}: {', '.join(touched_noop[:4])}")
    rows.append(Row("netgen rebuild, nothing changed", noop_runs, docs, 0, note))

    written: list[int] = []

    def one_change(i: int) -> Run:
        """The blueprint file itself is edited (back and forth), as a user would, so its
        cached bytecode is stale and the build pays for compiling it again."""
        blueprint.write_text(edited if i % 2 == 0 else original)
        before = measure.snapshot(out)
        run = netgen.build(blueprint, out)
        after = measure.snapshot(out)
        written.append(sum(1 for p in measure.touched(before, after)
                           if p in after and os.path.isfile(out / p)))
        return run

    change_runs = series(runs, one_change)
    blueprint.write_text(original)
    counts = sorted(set(written))
    rows.append(Row(f"netgen rebuild, image of {one} changed", change_runs, docs, None,
                    f"{'/'.join(map(str, counts))} files rewritten (OUT/.netgen's included)"))
    check_runs = series(runs, lambda _: measure.run_once(
        [*netgen.argv, "check", str(blueprint)], env=netgen.env))
    rows.append(Row("netgen check (validate + lint, nothing written)", check_runs, docs, 0))
    return rows


def bench_floor(out: Path, runs: int) -> list[Row]:
    run = measure.run_once([sys.executable, str(BENCH / "floor.py"), str(out),
                            "--runs", str(runs)])
    r = json.loads(run.stdout)
    peak = run.max_rss_kib / 1024
    note = "in-process, documents preloaded"
    return [
        Row("floor: yaml.dump_all, CSafeDumper", docs=r["docs"], size=r["yaml_bytes"],
            seconds=r["yaml_seconds"], cpu_seconds=r["yaml_cpu_seconds"], peak_mib=peak,
            note=note),
        Row("floor: json.dumps", docs=r["docs"], size=r["json_bytes"],
            seconds=r["json_seconds"], cpu_seconds=r["json_cpu_seconds"], peak_mib=peak,
            note=note),
    ]


def bench_peer(peer: peers.Peer, folder: Path, system: workload.System, runs: int) -> Row:
    spec = folder / "system.json"
    spec.write_text(workload.spec_json(system))
    out = folder / f"cdk8s-{peer.label.split('(')[-1].rstrip(')').split(',')[0].lower()}"

    def synth(i: int) -> Run:  # a folder of its own per run, as for netgen's full build
        return measure.run_once([*peer.argv_prefix, str(spec), f"{out}-{i}"], env=peer.env)

    try:
        s = series(runs, synth)
    except ChildFailed as e:
        return Row(peer.label, note=f"failed: {str(e).strip().splitlines()[-1]}")
    Path(f"{out}-{runs - 1}").rename(out)
    docs, size = measure.tree_stats(out)
    return Row(peer.label, s, docs, size,
               f"{runs} run{'s' if runs != 1 else ''}, one file per object")


def profile(netgen: Netgen, folder: Path, report: Path) -> None:
    """One full build under pyinstrument (it must be importable by netgen's python)."""
    if netgen.argv[1:] != ["-m", "netgen"]:
        print("--profile needs the default netgen command (python -m netgen)")
        return
    out = folder / "out-profile"
    shutil.rmtree(out, ignore_errors=True)
    argv = [netgen.argv[0], "-m", "pyinstrument", "-r", "text", "-o", str(report),
            "-m", "netgen", "build", str(folder / "blueprint.py"), "--out", str(out), "-q"]
    try:
        measure.run_once(argv, env=netgen.env)
        print(f"profile of a full build at {folder.name}: {report}")
    except ChildFailed as e:
        print(f"--profile failed: {str(e).strip().splitlines()[-1]}")


def fixed_costs(netgen: Netgen, runs: int) -> list[Row]:
    bare = series(runs, lambda _: measure.run_once([sys.executable, "-c", "pass"]))
    version = series(runs, lambda _: measure.run_once([*netgen.argv, "--version"],
                                                      env=netgen.env))
    return [Row("python -c pass", bare, note="interpreter start"),
            Row("netgen --version", version, note="start + CLI imports")]


# ---------------------------------------------------------------------------- printing


def _secs(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    if n == 0:
        return "0"
    return f"{n / 1e6:.2f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def table(rows: Sequence[Row]) -> str:
    header = ("", "wall median", "wall min", "CPU median", "of it sys", "peak RSS", "docs",
              "bytes", "")
    lines = [header]
    for r in rows:
        lines.append((
            r.label,
            _secs(_median(r.times)), _secs(min(r.times) if r.times else None),
            _secs(_median(r.cpu)), _secs(_median(r.sys)),
            f"{r.peak:.0f} MiB" if r.peak is not None else "-",
            "-" if r.docs is None else str(r.docs), _size(r.size), r.note,
        ))
    cols = len(header) - 1
    widths = [max(len(line[i]) for line in lines) for i in range(cols)]
    out = []
    for line in lines:
        cells = [line[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(line[1:cols], widths[1:], strict=True)]
        out.append("  ".join(cells) + ("  " + line[cols] if line[cols] else ""))
    out.insert(1, "-" * max(len(o) for o in out[:1]))
    return "\n".join(out)


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def median(row: Row) -> float:
    return statistics.median(row.times)


def cpu_median(row: Row) -> float:
    return statistics.median(row.cpu)


def user_median(row: Row) -> float:
    return statistics.median(c - s for c, s in zip(row.cpu, row.sys, strict=True))


def growth(small: dict[str, Row], large: dict[str, Row], n0: int, n1: int,
           fixed: Row) -> str:
    """Ratios of the medians; "above start" subtracts the `netgen --version` process, the
    part of every build that does not depend on N."""
    lines = [f"Growth from N={n0} to N={n1} (x{n1 / n0:g} services; linear = x{n1 / n0:g}):"]
    for key in ("full", "noop", "change"):
        parts = []
        for what, pick in (("wall", median), ("CPU", cpu_median)):
            a, b, f = pick(small[key]), pick(large[key]), pick(fixed)
            above = f"{(b - f) / (a - f):.2f}" if a > f else "n/a"
            parts.append(f"{what} x{b / a:.2f} (above start x{above})")
        lines.append(f"  {large[key].label:<42} " + ", ".join(parts))
    f0, f1 = small["full"], large["full"]
    lines.append(f"  {'documents':<42} x{f1.docs / f0.docs:.2f}; bytes x{f1.size / f0.size:.2f}; "
                 f"peak RSS x{f1.peak / f0.peak:.2f}")
    return "\n".join(lines)


def targets(rows: dict[str, Row], n: int) -> str:
    full, noop = rows["full"], rows["noop"]
    checks = [
        (f"N={n} whole build < {TARGET_SECONDS} s", median(full) < TARGET_SECONDS,
         f"{median(full):.3f} s wall, {cpu_median(full):.3f} s CPU"),
        ("no-op rebuild <= half a full build", median(noop) <= median(full) / 2,
         f"{median(noop):.3f} s = {median(noop) / median(full):.0%} of the full build "
         f"(CPU: {cpu_median(noop) / cpu_median(full):.0%})"),
        ("no-op rebuild writes no file", noop.note == "no file or folder touched", noop.note),
        (f"peak memory < {TARGET_RSS_MIB} MiB", full.peak < TARGET_RSS_MIB,
         f"{full.peak:.0f} MiB"),
    ]
    if "yaml" in rows:
        y = median(rows["yaml"])
        checks.append(("faster than the PyYAML C dumper floor", median(full) < y,
                       f"{median(full):.3f} s vs {y:.3f} s"))
    for key in ("node", "python"):
        if key in rows and rows[key].series:
            c = median(rows[key])
            checks.append((f"at least 13x faster than {rows[key].label}",
                           c / median(full) >= 13, f"x{c / median(full):.1f}"))
    width = max(len(c[0]) for c in checks)
    return "\n".join([f"Targets of issue 8 at N={n}:"] + [
        f"  {'met ' if ok else 'MISS'}  {what:<{width}}  {detail}" for what, ok, detail in checks])


LINEAR_SLACK = 1.2  # x12 for x10 services still reads as linear; quadratic would be x100


def targets_18(results: dict[int, dict[str, Row]], version: Row) -> str:
    """Issue 18's targets, for the sizes that were run (N=10 and N=1000 name them)."""
    checks = [("netgen --version < 0.06 s", median(version) < 0.06,
               f"{median(version):.3f} s")]
    for n, full_s, noop_s, node_x, python_x in ((10, 0.15, 0.1, 2, 6), (1000, 0.75, None, 10, 20)):
        if n not in results:
            continue
        rows = results[n]
        full, noop = median(rows["full"]), median(rows["noop"])
        checks.append((f"N={n} whole build < {full_s} s", full < full_s, f"{full:.3f} s"))
        if noop_s is not None:
            checks.append((f"N={n} rebuild, nothing changed < {noop_s} s", noop < noop_s,
                           f"{noop:.3f} s"))
        else:
            checks.append((f"N={n} rebuild, nothing changed <= 25% of a full build",
                           noop <= full / 4, f"{noop / full:.0%}"))
            checks.append((f"N={n} peak RSS < 100 MiB", rows["full"].peak < 100,
                           f"{rows['full'].peak:.0f} MiB"))
        for key, times in (("node", node_x), ("python", python_x)):
            peer = rows.get(key)
            if peer is not None and peer.series:
                ratio = median(peer) / full
                checks.append((f"N={n} at least {times}x faster than {peer.label}",
                               ratio >= times, f"x{ratio:.1f}"))
            else:
                checks.append((f"N={n} at least {times}x faster than cdk8s-plus ({key})",
                               None, peer.note if peer is not None else "not run"))
    if 1000 in results and 10000 in results:  # "N=10,000 builds with linear growth"
        # user time: the system time of creating 124,000 files depends on the disk's load
        start = user_median(version)
        for key, what in (("full", "whole build"), ("check", "netgen check")):
            small, large = user_median(results[1000][key]), user_median(results[10000][key])
            ratio = (large - start) / (small - start)
            checks.append((f"N=1000 -> 10,000 {what}: user CPU above start <= x12 "
                           "(linear: x10)", ratio <= LINEAR_SLACK * 10,
                           f"x{ratio:.2f} ({small:.2f} s -> {large:.2f} s user CPU)"))
    width = max(len(c[0]) for c in checks)
    mark = {True: "met ", False: "MISS", None: "n/a "}
    return "\n".join(["Targets of issue 18:"] + [
        f"  {mark[ok]}  {what:<{width}}  {detail}" for what, ok, detail in checks])


def _fs_type(path: Path) -> str:
    """The file system under `path`, from /proc/mounts (longest matching mount point)."""
    best, kind = "", "unknown file system"
    try:
        with open("/proc/mounts") as f:
            for line in f:
                _, point, fs = line.split()[:3]
                inside = str(path.resolve()).startswith(point.rstrip("/") + "/")
                if (inside or point == "/") and len(point) > len(best):
                    best, kind = point, fs
    except OSError:
        pass
    return kind


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu_times() -> tuple[int, int] | None:
    """(steal, all) of the machine's CPU time so far, in clock ticks, from /proc/stat's
    `cpu` line: steal is the time a virtual machine's CPUs were ready to run but the
    hypervisor ran something else. The same code's figures differ by a third between this
    VM's fast and slow hours, so a run says how much it lost this way."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (fields[7], sum(fields)) if len(fields) == 8 else None


def _steal(before: tuple[int, int] | None) -> str:
    after = _cpu_times()
    if before is None or after is None or after[1] <= before[1]:
        return "unknown"
    return f"{100 * (after[0] - before[0]) / (after[1] - before[1]):.1f}% of the CPU time"


def speed(probes: dict[str, list[float]], when: str) -> str:
    """The machine's speed `when`, by `measure.PROBE` (kept in `probes`): a run's figures
    are read against it, not against another run's."""
    found = probes[when] = measure.probe(sys.executable)
    return (f"machine speed {when}: a fixed Python loop (bench/measure.py PROBE) took "
            f"{min(found):.3f} s of CPU (min of {len(found)}; median "
            f"{statistics.median(found):.3f} s)")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}){mem}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


# ---------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10,100,1000", help="service counts (default 10,100,1000)")
    p.add_argument("--runs", type=int, default=5, help="runs per netgen measurement (median)")
    p.add_argument("--via", default="auto", choices=["auto", *workload.HTTP_VIAS, "FALLBACK"],
                   help="how exposed services are exposed: an HTTP backend, FALLBACK for "
                        "NODEPORT/NLB/CLUSTER, or auto (the first HTTP backend that builds)")
    p.add_argument("--netgen", help="command that runs netgen (default: this python -m netgen "
                                    "with this checkout first on PYTHONPATH)")
    p.add_argument("--cdk8s", default="node,python",
                   help="cdk8s-plus flavours to time: node, python, both (default), or none")
    p.add_argument("--no-cdk8s", dest="cdk8s", action="store_const", const="none")
    p.add_argument("--cdk8s-dir", type=Path, default=peers.default_cache(),
                   help="where the cdk8s-plus packages are installed (default %(default)s)")
    p.add_argument("--cdk8s-runs", type=int, default=1, help="runs per cdk8s flavour (slow)")
    p.add_argument("--no-floor", action="store_true", help="skip the PyYAML/json floor")
    p.add_argument("--dont-write-bytecode", action="store_true",
                   help="keep PYTHONDONTWRITEBYTECODE for netgen (default: removed, so .pyc "
                        "files are cached as on a user's machine)")
    p.add_argument("--keep", type=Path, help="keep the generated blueprints and outputs here")
    p.add_argument("--tmp", type=Path, help="create the scratch folder under this folder, e.g. "
                                            "/dev/shm to take the disk out of the figures")
    p.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    p.add_argument("--profile", type=Path,
                   help="also profile one full build of the largest N with pyinstrument and "
                        "write its text report here")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        bench(parse_args(argv))
    except ChildFailed as e:
        sys.exit(f"bench: a measured process failed; nothing to report.\n{e}")


def bench(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    netgen = netgen_command(args.netgen, not args.dont_write_bytecode)
    if args.tmp:
        args.tmp.mkdir(parents=True, exist_ok=True)
    scratch_ctx = (tempfile.TemporaryDirectory(prefix="netgen-bench-", dir=args.tmp)
                   if args.keep is None else None)
    scratch = Path(scratch_ctx.name) if scratch_ctx else args.keep
    scratch.mkdir(parents=True, exist_ok=True)

    flavours = [] if args.cdk8s == "none" else [
        f.strip() for f in args.cdk8s.replace("both", "node,python").split(",") if f.strip()]
    available: dict[str, peers.Peer | str] = {}
    for name in flavours:
        if name not in peers.FLAVOURS:
            sys.exit(f"--cdk8s: unknown flavour {name!r} (node, python, none)")
        print(f"installing/checking cdk8s-plus ({name}) in {args.cdk8s_dir} ...", flush=True)
        try:
            available[name] = peers.FLAVOURS[name](args.cdk8s_dir)
        except peers.Unavailable as e:
            available[name] = f"not available: {e}"

    via, via_note = choose_via(netgen, args.via, scratch)
    cpu_times = _cpu_times()
    probes: dict[str, list[float]] = {}
    print(f"\nnetgen benchmark on {machine()}; load average {_load()}")
    print(speed(probes, "at the start"))
    print(f"scratch folder: {scratch} ({_fs_type(scratch)})")
    print(f"netgen: {' '.join(netgen.argv)}   exposures: {via_note}")
    print(f"wall time of whole processes, {args.runs} runs each; CPU = user + sys time of the "
          "child and the workers it forked and waited for; peak RSS = the largest of their "
          "ru_maxrss;\ndocs = objects; bytes = all files written; netgen builds and checks a "
          f"blueprint of 300 workloads or more in one process per CPU (NETGEN_JOBS="
          f"{os.environ.get('NETGEN_JOBS', 'unset')})\n")
    fixed = fixed_costs(netgen, args.runs)
    print(table(fixed) + "\n")

    results: dict[int, dict[str, Row]] = {}
    for n in sizes:
        folder = scratch / f"n{n}"
        folder.mkdir(parents=True, exist_ok=True)
        system = workload.make_system(n, via)
        named = dict(zip(("full", "noop", "change", "check"),
                         bench_netgen(netgen, folder, system, args.runs), strict=True))
        if not args.no_floor:
            named.update(zip(("yaml", "json"), bench_floor(folder / "out", args.runs),
                             strict=True))
        for name, peer in available.items():
            named[name] = (bench_peer(peer, folder, system, args.cdk8s_runs)
                           if isinstance(peer, peers.Peer)
                           else Row(f"cdk8s-plus ({name})", note=peer))
        results[n] = named
        print(f"N={n} services x {len(workload.ENVS)} environments "
              f"({sum(1 + len(s.versions) - bool(s.versions) for s in system.services)} "
              f"workloads per environment, {len(system.exposures)} exposed)")
        print(table(list(named.values())), flush=True)
        print(speed(probes, f"after N={n}") + "\n", flush=True)

    if len(sizes) >= 2:
        n0, n1 = sorted(sizes)[-2:]
        print(growth(results[n0], results[n1], n0, n1, fixed[1]) + "\n")
    print(targets(results[max(sizes)], max(sizes)))
    print("\n" + targets_18(results, fixed[1]))
    print(f"\nload average at the end: {_load()}; stolen by the hypervisor during the run: "
          f"{_steal(cpu_times)} (times are only comparable on a machine that is otherwise "
          "idle, and on a virtual one, at the same machine speed: CPU times move with it too)")
    print(speed(probes, "at the end"))

    if args.profile:
        profile(netgen, scratch / f"n{max(sizes)}", args.profile)
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine(), "netgen": netgen.argv, "via": via, "runs": args.runs,
            "fixed": [r.as_dict() for r in fixed], "probe_cpu_seconds": probes,
            "sizes": {str(n): {k: r.as_dict() for k, r in rows.items()}
                      for n, rows in results.items()},
        }, indent=1))
    if scratch_ctx:
        scratch_ctx.cleanup()


if __name__ == "__main__":
    main()
