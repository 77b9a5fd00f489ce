"""API and page benchmark: ``GET /api/v1/live`` latency and overview page-ready time under load.

A 50-machine plant (:func:`smartfactory.api.testing.sample_plant`, 5 lines of 10 machines)
with a :class:`~smartfactory.api.testing.ScriptedLive` source and a DuckDB store for the
accounts is served by the real server (:func:`smartfactory.api.server.make_server`) in a
child process on 127.0.0.1. This process is the load: it signs in as an admin, holds
``--clients`` live connections (``/api/v1/live/stream``, httpx streaming, every event read),
and meanwhile sends ``GET /api/v1/live`` one after another for ``--duration`` seconds, timing
each (p50 / p95 / p99). With the streams still open it then opens the overview in headless
Chromium (Playwright) and times "page ready": from the start of navigation until every
machine tile (``[data-machine]``) is rendered and the page reports itself live
(``#sf-conn[data-status="live"]``): the median of ``--pages`` loads in one browser
(best and worst also reported; the first load starts the browser's caches cold).

Targets (dashboard issue): p99 <= 100 ms and page ready <= 1 s with 50 machines and 50 clients.
Prints one JSON line. The code is :mod:`smartfactory.cli.bench_api` (also
``smartfactory bench api --json``).

    python benchmarks/bench_api.py                       # 50 machines, 50 clients, 20 s
    python benchmarks/bench_api.py --duration 5 --no-browser
"""

from __future__ import annotations

import argparse
import json

from smartfactory.cli.bench_api import ApiBench, bench_api


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run the benchmark, print its JSON line."""
    parser = argparse.ArgumentParser(description="API and page benchmark (one JSON line).")
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--per-line", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50, help="live connections held")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of GET /live")
    parser.add_argument("--pages", type=int, default=5, help="page loads timed")
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    a = parser.parse_args(argv)
    cfg = ApiBench(a.lines, a.per_line, a.clients, a.duration, a.pages, a.browser)
    print(json.dumps(bench_api(cfg)))


if __name__ == "__main__":
    main()
