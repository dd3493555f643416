"""``DeskServices``: the one object the desk screens call, assembled from the parts of the
service layer (each part its own module, see ``services/__init__.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from samad_desk.domain.sla import WorkingCalendar
from samad_desk.services.attention import AttentionMixin
from samad_desk.services.calls import CallsMixin
from samad_desk.services.candidates import CandidatesMixin
from samad_desk.services.core import utcnow
from samad_desk.services.followups import FollowupsMixin
from samad_desk.services.forms import Choice
from samad_desk.services.remote_cases import RemoteCases


class DeskServices(CallsMixin, FollowupsMixin, CandidatesMixin, AttentionMixin):
    """Wraps the store and the domain rules for the screens.

    ``now`` is injectable so tests and the benchmark can freeze time. ``sync`` is the
    sync engine or ``None`` (embedded default, tests); a save wakes it.
    """

    def __init__(
        self,
        store: Any,
        operator: dict[str, Any],
        *,
        settings: Any = None,
        sync: Any = None,
        calendar: WorkingCalendar | None = None,
        now: Callable[[], datetime] = utcnow,
        subjects: list[Choice] | None = None,
        cities: list[Choice] | None = None,
    ) -> None:
        self.store = store
        self.operator = dict(operator)
        self.settings = settings
        self.sync = sync
        self.now = now
        if calendar is None:
            try:
                calendar = (
                    WorkingCalendar.from_settings(settings) if settings is not None else WorkingCalendar()
                )
            except Exception:  # a bad holidays file must not stop the desk
                calendar = WorkingCalendar()
        self.calendar = calendar
        self._subjects = subjects
        self._cities = cities
        #: sync client (None in the embedded default) and whether the link is up now
        self.client: Any = None
        self.online: Callable[[], bool] = lambda: False
        self._registry_cache: dict[str, dict[str, Any] | None] = {}
        operator_dir = getattr(settings, "operator_dir", None)
        self.remote_cases = RemoteCases(Path(operator_dir) / "remote-cases.json" if operator_dir else None)
        self._index: Any = None  # matching.index.CitizenIndex once built
        self._index_lock = threading.Lock()
        self._index_stale: set[str] = set()
