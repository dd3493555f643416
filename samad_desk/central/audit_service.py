"""The central service's side of the audit (``Central`` mixes it in; docs/audit.md).

The checkpoint key is read (or made, 0600) the first time the server needs it: at
``serve`` start, or by ``samad-desk central audit checkpoint``. A server process signs a
checkpoint every ``SAMAD_CENTRAL_AUDIT_INTERVAL`` seconds (default 300; 0: never) when
some head moved; several processes on one database take turns under an advisory lock
and the later one finds nothing to sign.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from samad_desk.central import audit

log = logging.getLogger("samad_desk.central.audit")


class AuditError(Exception):
    """The server cannot sign (its key file is not the key the database names)."""


class AuditMixin:
    # attributes provided by Central
    engine: Any
    w: Any
    server_id: str
    db_url: str
    audit_key_file: str | Path | None
    clock: Any

    _audit_key: audit.AuditKey | None = None
    _audit_thread: threading.Thread | None = None
    _audit_stop: threading.Event | None = None

    @property
    def audit_key_path(self) -> Path:
        if self.audit_key_file:
            return Path(self.audit_key_file)
        return audit.default_key_path(self.db_url, self.server_id)

    def audit_signer(self) -> audit.AuditKey:
        """The checkpoint key, made on first use; refused when the database already names
        another one (a second host with its own key file would fork the checkpoints)."""
        if self._audit_key is None:
            key = audit.AuditKey.load_or_create(self.audit_key_path)
            with self.w.begin() as conn:
                if not audit.pin_public_key(conn, key):
                    raise AuditError(f"کلید امضای بازرسی ({self.audit_key_path}) با کلیدی که پایگاه داده"
                                     " می‌شناسد یکی نیست؛ امضا انجام نشد.")
            self._audit_key = key
        return self._audit_key

    def audit_public_key(self) -> str | None:
        """The public key desks pin (base64url), once the server has one."""
        if self._audit_key is not None:
            return self._audit_key.public_b64
        from samad_desk.central import db

        with self.engine.connect() as conn:
            return db.get_meta(conn, "audit_public_key")

    def checkpoint(self, *, force: bool = False) -> dict | None:
        """Sign a checkpoint now (``None``: nothing moved since the last, unless ``force``)."""
        from samad_desk.central.service import iso

        key = self.audit_signer()
        with self.w.begin() as conn:
            return audit.make_checkpoint(conn, key, self.server_id, iso(self.clock()), force=force)

    def chain_head(self, case_id: str) -> str:
        return audit.chain_head(self, case_id)

    def start_checkpoints(self, interval: float | None = None) -> None:
        """Sign checkpoints in a daemon thread every ``interval`` seconds."""
        if interval is None:
            interval = float(os.environ.get("SAMAD_CENTRAL_AUDIT_INTERVAL") or audit.DEFAULT_INTERVAL)
        try:
            self.audit_signer()  # made at start, not at the first tick
        except (AuditError, OSError) as exc:
            # the hotline keeps serving; the history goes unsigned until it is fixed
            log.error("checkpoints off: %s", exc)
            return
        if interval <= 0 or self._audit_thread is not None:
            return
        stop = self._audit_stop = threading.Event()

        def run() -> None:
            while not stop.wait(interval):
                try:
                    self.checkpoint()
                except Exception:  # logged; the next tick tries again
                    log.exception("checkpoint failed")

        self._audit_thread = threading.Thread(target=run, name="samad-audit", daemon=True)
        self._audit_thread.start()

    def stop_checkpoints(self) -> None:
        if self._audit_stop is not None:
            self._audit_stop.set()
