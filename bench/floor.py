"""The floor: what merely serializing netgen's final documents costs, without netgen.

Run as its own process by `run.py` (so its peak memory is measured alone):
    python bench/floor.py OUT_DIR --runs 5
It loads every document under OUT_DIR with PyYAML's C loader (not timed), then times, in
this process, `yaml.dump_all(docs, Dumper=CSafeDumper)` and `json.dumps(docs)` of all of
them, and prints the figures as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import yaml


def load_documents(folder: str) -> list[object]:
    docs: list[object] = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".yaml"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    docs.extend(d for d in yaml.load_all(f, Loader=yaml.CSafeLoader) if d)
    return docs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not yaml.__with_libyaml__:
        raise SystemExit("PyYAML has no libyaml here: the C dumper floor cannot be measured")
    start = time.perf_counter()
    docs = load_documents(args.folder)
    load = time.perf_counter() - start
    result: dict[str, object] = {"docs": len(docs), "load_seconds": load}
    for label, dump in (
        ("yaml", lambda: yaml.dump_all(docs, Dumper=yaml.CSafeDumper, sort_keys=False)),
        ("json", lambda: json.dumps(docs)),
    ):
        times, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            text = dump()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        result[f"{label}_seconds"] = times
        result[f"{label}_cpu_seconds"] = cpu
        result[f"{label}_bytes"] = len(text.encode())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
