"""Public tracking lookup (``GET /v1/track/{code}``): does the answer time tell a wrong
check digit, an unknown code and a real code with a wrong mobile tail apart?

The service method is timed in-process (the HTTP stack adds ~1 ms of loopback noise
that would hide the differences an attacker averages out over many requests), on a
SQLite database seeded with the demo data. The throttle is lifted for the run. Each
kind is called in interleaved rounds so drift hits all three alike; the table shows the
median per kind and, as the one number that matters, the largest gap between the
medians (baseline: the real code with the right tail, the fastest honest answer).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench.harness import Metric, time_calls


def _kinds(central) -> dict[str, tuple[str, str]]:
    from sqlalchemy import select

    from samad_desk.central import db
    from samad_desk.central.service import loads
    from samad_desk.domain.tracking import make_tracking_code

    t = db.entities
    with central.engine.connect() as conn:
        for row in conn.execute(select(t.c.tracking_code, t.c.citizen_id).where(t.c.entity == "case")):
            cit = conn.execute(select(t.c.data).where(t.c.entity == "citizen", t.c.id == row.citizen_id)).first()
            mobile = (loads(cit.data) or {}).get("mobile") if cit is not None else None
            if row.tracking_code and mobile:
                code, tail = row.tracking_code, mobile[-4:]
                break
        else:  # pragma: no cover - the demo data always has such a case
            raise RuntimeError("no case with a mobile in the demo data")
    wrong_tail = f"{(int(tail) + 1) % 10000:04d}"
    bad_digit = code[:-1] + str((int(code[-1]) + 1) % 10)
    unknown = make_tracking_code(99_998, 123_456)
    return {
        "wrong_check_digit": (bad_digit, wrong_tail),
        "unknown_code": (unknown, wrong_tail),
        "real_code_wrong_tail": (code, wrong_tail),
        "real_code_right_tail": (code, tail),
    }


def run(quick: bool = False) -> list[Metric]:
    from samad_desk.central.errors import ApiError
    from samad_desk.central.seed import load_demo_data, seed_demo
    from samad_desk.central.service import Central

    tmp = Path(tempfile.mkdtemp(prefix="samad-bench-track-"))
    try:
        central = Central(f"sqlite:///{tmp / 'c.sqlite3'}", track_limit=(10**9, 60.0))
        seed_demo(central, full=False)
        load_demo_data(central, citizens=400 if quick else 4000, cases=200 if quick else 2000)
        kinds = _kinds(central)
        n = 200 if quick else 1000

        def call(code: str, tail: str) -> None:
            try:
                central.track(code, tail, "127.0.0.1")
            except ApiError:
                pass

        samples: dict[str, list[float]] = {k: [] for k in kinds}
        for _ in range(10):  # interleaved rounds
            for kind, (code, tail) in kinds.items():
                samples[kind] += time_calls(lambda _i, c=code, t=tail: call(c, t), n // 10, warmup=5).samples_ms
        central.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    from statistics import median

    med = {k: median(v) for k, v in samples.items()}
    refused = [med[k] for k in kinds if k != "real_code_right_tail"]
    out = [Metric(f"track {k} p50", round(v, 3), "ms") for k, v in med.items()]
    out.append(Metric("track refusal spread (max-min p50 of the three refusals)",
                      round(max(refused) - min(refused), 3), "ms",
                      baseline=round(med["real_code_right_tail"], 3),
                      baseline_label="p50 of a real code, right tail", target="near 0"))
    return out
