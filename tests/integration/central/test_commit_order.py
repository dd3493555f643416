"""F24: concurrent pushes commit in seq order, so no pull ever skips a change.

Push A takes its seq range and is held just before COMMIT; push B starts meanwhile.
With the one-row counter allocated as the last step, B cannot take a higher range and
commit first: it waits for A. A supervisor (who sees every change) keeps pulling during
the whole dance; afterwards what it received must equal what a fresh pull of the same
scope returns (a skipped change would be missing from the racing puller forever).
"""

from __future__ import annotations

import sys
import threading
import time

from samad_desk.central.testing import Desk


def stack_of(thread: threading.Thread) -> list[tuple[str, str]]:
    """(file, function) of every frame of ``thread``, innermost first."""
    frame = sys._current_frames().get(thread.ident)
    out = []
    while frame is not None:
        out.append((frame.f_code.co_filename, frame.f_code.co_name))
        frame = frame.f_back
    return out


def waiting_in_its_transaction(thread: threading.Thread) -> bool:
    """``thread`` is inside the push's transaction and in a database call there (where
    another open transaction holds it: SQLite's write lock at BEGIN, PostgreSQL's seq
    counter row before COMMIT)."""
    stack = stack_of(thread)
    if not any(name == "_push_tx" for _f, name in stack):
        return False
    inner = stack[0][0] if stack else ""
    return any(part in inner for part in ("sqlalchemy", "sqlite3", "psycopg"))


def wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def test_no_pull_skips_a_change_under_concurrent_commits(make_server):
    hold = threading.Event()
    a_waiting = threading.Event()
    release = threading.Event()

    def before_commit(client_id, ops):
        if hold.is_set() and client_id == holder["client_id"]:
            a_waiting.set()
            assert release.wait(20), "test never released push A"

    holder: dict = {}
    http = make_server(hooks={"before_commit": before_commit})
    central = http.app.state.central
    a, b = Desk(http, "agent1"), Desk(http, "agent1")
    sup = Desk(http, "super1")
    holder["client_id"] = a.client_id
    pa = central.authenticate(f"Bearer {a.token}")
    pb = central.authenticate(f"Bearer {b.token}")
    # some history first
    ops, *_ = a.new_call()
    a.push(*ops)
    sup.pull_all()

    seen: list[int] = []
    problems: list[str] = []
    stop = threading.Event()
    cursor = [sup.cursor]

    def puller():
        while not stop.is_set():
            r = sup.pull_page(cursor[0], limit=7)
            body = r.json()
            for ch in body["changes"]:
                if ch["seq"] <= seen[-1]:
                    problems.append(f"out of order: {seen[-1]} -> {ch['seq']}")
                seen.append(ch["seq"])
            cursor[0] = body["next_cursor"]
            time.sleep(0.01)

    # prime: the seq just before the race
    base = http.get("/v1/sync/pull", headers=sup.headers, params={"cursor": sup.cursor}).json()
    assert base["changes"] == []
    with central.engine.connect() as conn:
        start_hwm = central._hwm(conn)
    seen.append(start_hwm)

    results: dict[str, dict] = {}
    hold.set()
    ops_a, *_ = a.new_call()
    ops_b, *_ = b.new_call(mobile="09127654321")
    body_a = {"client_id": a.client_id, "ops": a.number(ops_a)}
    body_b = {"client_id": b.client_id, "ops": b.number(ops_b)}
    ta = threading.Thread(target=lambda: results.__setitem__("a", central.push(pa, body_a)))
    tb = threading.Thread(target=lambda: results.__setitem__("b", central.push(pb, body_b)))
    tp = [threading.Thread(target=puller, daemon=True)]
    for t in tp:
        t.start()
    ta.start()
    assert a_waiting.wait(20)
    tb.start()
    try:
        # B really tries: it is inside its transaction, in a database call, before we look
        # (no sleep that load could outlast; a condition with a deadline that fails loudly)
        assert wait_until(lambda: waiting_in_its_transaction(tb) or "b" in results), "push B never started"
        assert "b" not in results, "push B committed while push A (lower seqs) was still open"
        assert seen == [start_hwm], "a pull saw changes of an uncommitted push"
    finally:
        release.set()
        ta.join(30)
        if tb.ident is not None:
            tb.join(30)
        hold.clear()
        stop.set()
        for t in tp:
            t.join(10)
    # drain (order only: seqs the supervisor may not see leave holes; the fresh pull below
    # is the oracle for gaps)
    while True:
        body = sup.pull_page(cursor[0], limit=50).json()
        for ch in body["changes"]:
            if ch["seq"] <= seen[-1]:
                problems.append(f"out of order: {seen[-1]} -> {ch['seq']}")
            seen.append(ch["seq"])
        cursor[0] = body["next_cursor"]
        if not body["has_more"]:
            break
    assert not problems, problems
    seq_a = [r["seq"] for r in results["a"]["results"]]
    seq_b = [r["seq"] for r in results["b"]["results"]]
    assert max(seq_a) < min(seq_b)
    # the truth: a fresh desk of the same scope pulling after everything committed
    fresh = Desk(http, "super1")
    truth = [c["seq"] for c in fresh.pull_all() if c["seq"] > start_hwm]
    assert seen[1:] == truth
    assert len(truth) >= 6
