"""Ingest benchmark: MQTT UNS into the store over a real Mosquitto; prints one JSON line.

Usage: ``python benchmarks/bench_ingest.py [--source mqtt|opcua] [--messages N] [--signals S]``
(the same options as ``smartfactory bench ingest``). See :mod:`smartfactory.connectors.benchmark`.
"""

from __future__ import annotations

import argparse
import json

from smartfactory.connectors.benchmark import BenchConfig, bench_mqtt, bench_opcua


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", choices=["mqtt", "opcua"], default="mqtt")
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--signals", type=int, default=100)
    parser.add_argument("--machines", type=int, default=10)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=0.0, help="MQTT samples/s offered")
    parser.add_argument("--compare", action="store_true", help="MQTT: A/B with the old path")
    args = parser.parse_args()
    if args.source == "mqtt":
        cfg = BenchConfig(
            messages=args.messages, machines=args.machines, signals=args.signals,
            compare=args.compare, rate=args.rate,
        )  # fmt: skip
        report = bench_mqtt(cfg)
    else:
        report = bench_opcua(items=args.items, seconds=args.seconds)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
