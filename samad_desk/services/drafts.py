"""The call being typed, kept crash-safe in the operator's own directory."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from samad_desk.services.forms import CallForm


class DraftStore:
    """The call being typed, kept in the operator's own directory.

    Written with the same temp + fsync + rename pattern as the cache, so a crash or a
    closed terminal leaves the previous or the new draft, never a torn one. Saves and
    clears are serialized (draft writes run in worker threads, and an fsync can take a
    few hundred ms); ``epoch`` moves on every clear, and a save asked for before it (the
    form of a call that has since been saved) is dropped, so a crash can never offer an
    already saved call again as a draft.
    """

    def __init__(self, operator_dir: Path) -> None:
        self.path = Path(operator_dir) / "draft.json"
        self._lock = threading.Lock()
        self.epoch = 0

    def save(self, form: CallForm, *, started_at: float | None = None, epoch: int | None = None) -> bool:
        """Write the draft; ``False`` when ``epoch`` is given and a clear came since."""
        with self._lock:
            if epoch is not None and epoch != self.epoch:
                return False
            self._write(form, started_at)
            return True

    def _write(self, form: CallForm, started_at: float | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = {"form": form.to_dict(), "started_at": started_at, "saved_at": time.time()}
        tmp = self.path.with_name(f"draft.json.tmp-{os.getpid()}-{threading.get_ident()}")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)
        try:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def load(self) -> tuple[CallForm, float | None] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            form = CallForm.from_dict(data.get("form") or {})
        except (OSError, ValueError, TypeError):
            return None
        if form.is_blank():
            return None
        return form, data.get("started_at")

    def clear(self) -> None:
        with self._lock:
            self.epoch += 1
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
