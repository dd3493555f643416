"""This desk's client identity: its ``client_id`` (a new one after a reset or a
quarantine), its client number, its state file and the tracking codes it hands out.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson

from samad_desk.store import fileio
from samad_desk.store.errors import from_os_error
from samad_desk.store.journal import AppendFile
from samad_desk.store.locks import Flock
from samad_desk.store.state import STATE_SCHEMA, StoreState, now_iso


class ClientMixin(StoreState):
    """The client id, number and state file of a :class:`Store`."""

    def _create_client(self, *, reset_from: str | None, carry: list[dict], retire_old: bool = False) -> None:
        old_state = dict(self._state)
        new_id = "c-" + uuid.uuid4().hex
        path = self._journal_path(new_id)
        renumbered = []
        for i, op in enumerate(carry, start=1):
            o = dict(op)
            o["client_id"] = new_id
            o["client_seq"] = i
            renumbered.append(o)
        self._create_journal_file(path, new_id, reset_from, renumbered)
        client_no = old_state.get("client_no") or self._allocate_client_no()
        self._state = {"schema": STATE_SCHEMA, "client_id": new_id, "profile": self.profile,
                       "client_no": client_no,
                       "client_no_source": old_state.get("client_no_source", "local"),
                       "created_at": now_iso(), "reset_from": reset_from}
        for k, v in old_state.items():
            if k not in self._state and k not in ("next_seq",):
                self._state[k] = v
        old_id = self.client_id
        self.client_id = new_id
        self._write_state()
        prof = self._read_json(self.outbox / f"{self.profile}.profile.json") or {}
        retired = list(prof.get("retired") or [])
        if old_id and (retire_old or reset_from):
            retired.append(old_id)
            self._retired.add(old_id)
        fileio.atomic_write(
            self.outbox / f"{self.profile}.profile.json",
            orjson.dumps({"schema": STATE_SCHEMA, "profile": self.profile, "client_id": new_id, "retired": retired}),
        )
        if self._journal is not None:
            self._journal.close()
        self._journal = AppendFile(path)
        self._streams[path] = self._journal.size
        self._next_seq = 1
        # retire the old copies, then take in the renumbered ones
        for op in carry:
            self._forget_op(op["op_id"])
        self._ingest_records([{"k": "ops", "ops": renumbered}], new_id)

    def _allocate_client_no(self) -> int:
        """Smallest local client number not used by another profile of this data dir.

        Used until the server assigns one (``set_client_state(client_no=…)``). The choice
        is recorded in ``<profile>.clientno`` under ``alloc.lock`` so two profiles created
        at once never pick the same number.
        """
        lock = Flock(self.outbox / "alloc.lock")
        with lock.held():
            mine = self.outbox / f"{self.profile}.clientno"
            used = set()
            for p in [*self.outbox.glob("*.state.json"), *self.outbox.glob("*.clientno")]:
                if p == mine:
                    continue
                st = self._read_json(p) or {}
                if st.get("client_no") is not None and st.get("profile") != self.profile:
                    used.add(int(st["client_no"]))
            n = 1
            while n in used:
                n += 1
            fileio.atomic_write(mine, orjson.dumps({"profile": self.profile, "client_no": n}))
            return n

    def _state_path(self, client_id: str) -> Path:
        return self.outbox / f"{client_id}.state.json"

    def _write_state(self) -> None:
        self._state["schema"] = STATE_SCHEMA
        self._state["client_id"] = self.client_id
        self._state["next_seq"] = self._next_seq
        try:
            fileio.atomic_write(self._state_path(self.client_id), orjson.dumps(self._state))
        except OSError as exc:
            raise from_os_error(exc, "ذخیرهٔ وضعیت دفتر") from exc

    def reset_client(self) -> str:
        """New client_id; unacknowledged ops copied under it, renumbered from 1 (op_ids kept)."""
        self._refuse_if_read_only()
        with self._lock:
            carry = self.pending_ops(limit=10**9)
            self._create_client(reset_from=self.client_id, carry=carry, retire_old=True)
            return self.client_id

    def client_state(self) -> dict:
        with self._lock:
            st = dict(self._state)
            st["client_id"] = self.client_id
            st["client_no"] = self.client_no
            st["next_seq"] = self._next_seq
            st["profile"] = self.profile
            st.setdefault("last_sync", self.cache.meta.get("last_sync"))
            return st

    def set_client_state(self, **values) -> None:
        """Merge values into the client state file (e.g. ``client_no`` from the server)."""
        self._refuse_if_read_only()
        with self._lock:
            if "client_no" in values:
                values["client_no"] = int(values["client_no"])
                values.setdefault("client_no_source", "server")
            self._state.update(values)
            self._write_state()

    def next_tracking_code(self) -> str:
        """A tracking code unique for this desk; recorded when the op using it is saved."""
        from samad_desk.domain.tracking import make_tracking_code

        with self._lock:
            cno = self.client_no
            n = self._tc_next.get(cno, 1)
            self._tc_next[cno] = n + 1
            return make_tracking_code(cno, n)

    @property
    def client_no(self) -> int:
        return int(self._state.get("client_no") or 1)

