"""``DeskServices``: the one object the desk screens call, assembled from the parts of the
service layer (each part its own module, see ``services/__init__.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from samad_desk.services.attention import AttentionMixin
from samad_desk.services.calls import CallsMixin
from samad_desk.services.candidates import CandidatesMixin
from samad_desk.services.case_actions import CaseActions
from samad_desk.services.citizen_details import ContactDetails
from samad_desk.services.followups import FollowupsMixin
from samad_desk.services.forms import Choice
from samad_desk.services.merges import MergeService
from samad_desk.services.remote_cases import RemoteCases
from samad_desk.services.session import DeskSession


class DeskServices(CallsMixin, FollowupsMixin, CandidatesMixin, AttentionMixin):
    """Wraps the store and the domain rules for the screens, over one :class:`DeskSession`
    (its clock is injectable so tests and the benchmark can freeze time; its sync engine,
    ``None`` in the embedded default and tests, is woken by every save)."""

    def __init__(
        self,
        session: DeskSession,
        *,
        subjects: list[Choice] | None = None,
        cities: list[Choice] | None = None,
    ) -> None:
        super().__init__(session)
        self._subjects = subjects
        self._cities = cities
        self._registry_cache: dict[str, dict[str, Any] | None] = {}
        operator_dir = getattr(session.settings, "operator_dir", None)
        self.remote_cases = RemoteCases(Path(operator_dir) / "remote-cases.json" if operator_dir else None)
        self._index: Any = None  # matching.index.CitizenIndex once built
        self._index_lock = threading.Lock()
        self._index_stale: set[str] = set()

    # -- the services of the other jobs, over the same session
    def case_actions(self) -> CaseActions:
        """The cartable, case and supervision service (subject keys shown as titles)."""
        labels = {c.key: c.label for c in self.subjects()}
        return CaseActions(self.session, subject_label=lambda key: labels.get(key, key))

    def prebuild_reports(self, stop: Callable[[], bool] | None = None) -> bool:
        """Build the report facts now if this operator's role opens reports (the app calls
        it in a worker a moment after start); see :meth:`ReportService.prebuild`."""
        from samad_desk.services.reports import ReportService

        return ReportService(self.case_actions()).prebuild(stop)

    def merges(self) -> MergeService:
        return MergeService(self.session)

    def contact_details(self) -> ContactDetails:
        return ContactDetails(self.session)

    def stats(self) -> dict[str, Any]:
        try:
            return dict(self.store.stats())
        except Exception:
            return {}
