"""How long `netgen check`'s CRD validation takes for 1000 varied HTTPRoutes (schema + CEL).

    python bench/validate.py [--routes 1000] [--crds DIR]   (default: the shipped standard channel)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from netgen.validate import load_crds, validate_documents  # noqa: E402
from netgen.validate.shipped import shipped_index  # noqa: E402
from tests.validate.test_validate_batch import http_route  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=1000)
    parser.add_argument("--crds", default=None)
    args = parser.parse_args()
    crds = load_crds(args.crds) if args.crds else shipped_index("gateway-api-v1.6.1-standard")
    routes = [http_route(i) for i in range(args.routes)]
    validate_documents(routes[:1], crds)  # build the validator and compile the rules once
    start = time.perf_counter()
    problems = validate_documents(routes, crds)
    elapsed = time.perf_counter() - start
    print(f"{args.routes} HTTPRoutes: {elapsed:.2f} s ({elapsed / args.routes * 1000:.2f} ms "
          f"per route, schema + CEL), {len(problems)} problems")


if __name__ == "__main__":
    main()
