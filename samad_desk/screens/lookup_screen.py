"""Lookup: find a citizen by any of national ID, mobile, name, father's name, birth date.

Candidates update as the agent types, best first, each with why it matched and its open
cases. Enter on a candidate opens the profile; F2 starts a call for the chosen citizen,
or, with no candidate chosen, a call for a new citizen with what was typed (only after the
candidates have been seen).
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from samad_desk.messages import OpenCitizen
from samad_desk.screens.base import DeskScreen
from samad_desk.services import FIELD_LABELS, CallForm, Candidate
from samad_desk.text.digits import fa
from samad_desk.widgets import DigitsInput, NationalIdInput, PhoneInput, RTLInput, RTLStatic
from samad_desk.widgets.form import CandidateList, FieldRow

QUERY_FIELDS = ("national_id", "mobile", "first_name", "last_name", "father_name", "birth_date")


class LookupScreen(DeskScreen, area="lookup"):
    DEFAULT_CSS = """
    #lookup-body { height: 1fr; }
    #lookup-form { width: 40; height: 1fr; }
    #lookup-side { width: 1fr; height: 1fr; }
    """

    def __init__(self, services: Any, **kwargs: Any) -> None:
        super().__init__(services, **kwargs)
        self._timer: Timer | None = None
        self.searches = 0

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="lookup-body"):
            with Vertical(id="lookup-side"):
                yield RTLStatic("نامزدها (بهترین نخست)", id="lookup-count")
                yield CandidateList(id="lookup-candidates")
            with Vertical(id="lookup-form"):
                yield FieldRow("national_id", FIELD_LABELS["national_id"], NationalIdInput(label="", id="q-national_id"))
                yield FieldRow("mobile", FIELD_LABELS["mobile"], PhoneInput(label="", id="q-mobile"))
                yield FieldRow("first_name", FIELD_LABELS["first_name"], RTLInput(id="q-first_name"))
                yield FieldRow("last_name", FIELD_LABELS["last_name"], RTLInput(id="q-last_name"))
                yield FieldRow("father_name", FIELD_LABELS["father_name"], RTLInput(id="q-father_name"))
                yield FieldRow("birth_date", FIELD_LABELS["birth_date"], DigitsInput(id="q-birth_date"))
                yield RTLStatic("Enter روی نامزد: پروفایل   F2: ثبت تماس", classes="dim")

    def on_mount(self) -> None:
        self.query_one("#q-national_id").focus()

    def query_values(self) -> dict[str, str]:
        return {name: str(self.query_one(f"#q-{name}").value) for name in QUERY_FIELDS}

    @on(RTLInput.Changed)
    def _changed(self, event: Any) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.15, self._search_now)

    @on(RTLInput.Submitted)
    def _submitted(self, event: Any) -> None:
        event.stop()
        self.focus_next()

    def _search_now(self) -> None:
        self._timer = None
        self._search(self.query_values())

    @work(thread=True, exclusive=True, group="lookup", exit_on_error=False)
    def _search(self, query: dict[str, str]) -> list[Candidate]:
        return self.services.lookup(query, limit=10)

    @on(Worker.StateChanged)
    def _done(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "lookup" and event.state == WorkerState.SUCCESS:
            found = event.worker.result or []
            self.searches += 1
            self.query_one(CandidateList).show(found)
            self.query_one("#lookup-count").update(f"{fa(len(found))} نامزد (بهترین نخست)" if found else "نامزدی پیدا نشد")

    def action_candidates(self) -> None:
        self.query_one(CandidateList).focus()

    def action_back(self) -> None:
        self.query_one("#q-national_id").focus()

    def _highlighted(self) -> Candidate | None:
        candidates = self.query_one(CandidateList)
        if not candidates.candidates:
            return None
        index = candidates.highlighted
        option = candidates.get_option_at_index(index) if index is not None else None
        if option is None or not (option.id or "").startswith("cand-"):
            return candidates.candidates[0]
        return candidates.candidates[int(option.id[5:])]  # type: ignore[index]

    @on(CandidateList.Chosen)
    async def _chosen(self, event: CandidateList.Chosen) -> None:
        if not event.candidate.citizen_id:  # a civil-registry record: no profile yet
            await self.action_call()
            return
        self.post_message(OpenCitizen(event.candidate.citizen_id))

    def action_profile(self) -> None:
        chosen = self._highlighted()
        if chosen is not None and chosen.citizen_id:
            self.post_message(OpenCitizen(chosen.citizen_id))

    def action_merge(self) -> None:
        """Merge candidates (issue 6.3, merge_screen.py): the highlighted one survives by default."""
        from samad_desk.screens.merge_screen import open_merge

        chosen = self._highlighted()
        ids = [c.citizen_id for c in self.query_one(CandidateList).candidates]
        if chosen is not None:
            ids = [chosen.citizen_id, *[i for i in ids if i != chosen.citizen_id]]
        open_merge(self.app, ids)

    def action_duplicates(self) -> None:
        from samad_desk.screens.duplicates_screen import open_duplicates

        open_duplicates(self.app)

    async def action_call(self) -> None:
        """Start a call: for the highlighted candidate if the list has focus, else new."""
        app: Any = self.app
        candidates = self.query_one(CandidateList)
        chosen = self._highlighted() if self.focused is candidates else None
        values = self.query_values()
        await app.switch_mode("call")  # awaited: then the call screen is mounted
        from samad_desk.screens.call_screen import CallEntryScreen

        # the call screen itself, even when a dialog (a draft offer) is on top of it
        screen = next(s for s in app.screen_stack if isinstance(s, CallEntryScreen))
        if chosen is not None:
            screen.choose_citizen(chosen.citizen)
        else:
            screen.load_form(CallForm(**values))
