"""The server returns from run() on SIGINT and SIGTERM, so the caller can clean up."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

CHILD = """
import sys
from contextlib import asynccontextmanager
from fastapi import FastAPI
from smartfactory.api.server import make_server

@asynccontextmanager
async def lifespan(app):
    print("ready", flush=True)
    yield

server = make_server(FastAPI(lifespan=lifespan), configure_logging=False)
server.run()
print("cleaned up after", [s.name for s in server.stopped_by], flush=True)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_returns_and_the_caller_cleans_up(signum: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline and "ready" not in line:
        line = proc.stdout.readline()
    assert "ready" in line, line
    proc.send_signal(signum)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert f"cleaned up after ['{signum.name}']" in out
