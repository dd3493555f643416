"""A central server started by a program (``samad-desk demo``, a test run) stops when
that program is SIGKILLed: driven by hand, a killed demo left its server serving, and
the restarted ``demo --dir`` started a second server on the same SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

STARTER = """
import sys, time
from samad_desk.central.process import sqlite_url, start_server
srv = start_server(sqlite_url(sys.argv[1]), log_path=sys.argv[1] + "/central.log")
print(srv.proc.pid, srv.url, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for this purpose (its parent, init, reaps it soon)
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_server_stops_when_the_program_that_started_it_is_killed(tmp_path) -> None:
    starter = subprocess.Popen([sys.executable, "-c", STARTER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    server_pid = 0
    try:
        line = starter.stdout.readline().split()
        assert len(line) == 2, f"the starter printed {line!r}"
        server_pid, url = int(line[0]), line[1]
        assert httpx.get(url + "/v1/health", timeout=5).status_code == 200
        starter.kill()  # SIGKILL: no clean-up runs in the starter
        starter.wait(timeout=10)
        deadline = time.monotonic() + 30
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(server_pid), "the server outlived the program that started it"
    finally:
        if starter.poll() is None:
            starter.kill()
        if server_pid and _alive(server_pid):
            os.killpg(server_pid, signal.SIGKILL)
