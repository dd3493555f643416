"""The demo's ServerGuard: a signal that arrives while the clean-ups run (a normal quit
stopping the server, then the terminal closes) waits for them instead of ending the
process half-way — under load that left the demo's central server running."""

from __future__ import annotations

import os
import signal

from samad_desk.demo_mode import ServerGuard


def test_a_signal_during_the_cleanups_is_passed_on_after_them() -> None:
    seen: list[str] = []
    before = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(f"previous {signum}"))
    try:
        def stop_server() -> None:
            seen.append("stopping")
            os.kill(os.getpid(), signal.SIGTERM)  # the terminal goes away meanwhile
            seen.append("stopped")

        with ServerGuard(stop_server, lambda: seen.append("temp removed")):
            pass
        assert seen == ["stopping", "stopped", "temp removed", f"previous {int(signal.SIGTERM)}"]
    finally:
        signal.signal(signal.SIGTERM, before)


def test_a_signal_outside_the_cleanups_runs_them_then_passes_on() -> None:
    seen: list[str] = []
    before = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append("previous"))
    try:
        with ServerGuard(lambda: seen.append("stopped")):
            os.kill(os.getpid(), signal.SIGTERM)
            seen.append("after the signal")
        assert seen == ["stopped", "previous", "after the signal"]
    finally:
        signal.signal(signal.SIGTERM, before)
