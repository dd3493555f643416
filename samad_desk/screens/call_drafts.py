"""The call screen's draft: offered back at start, written (debounced, in a worker thread)
on every change, dropped when the call is saved, so a crash or a closed terminal loses
nothing. A part of :class:`~samad_desk.screens.call_screen.CallEntryScreen`, which holds
the state it reads (``drafts``, ``saving``, ``started_at``, the form)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

from samad_desk.screens.modals import DraftModal
from samad_desk.services import CallForm
from samad_desk.text.digits import fa

if TYPE_CHECKING:
    from textual.timer import Timer

    from samad_desk.services.drafts import DraftStore


class CallDrafts:
    """The draft half of the call screen (a mixin: no handlers of its own)."""

    drafts: DraftStore | None
    saving: bool
    started_at: float
    _loading: bool
    _draft_timer: Timer | None
    app: Any
    tracking: Any

    def _offer_draft(self) -> None:
        if self.drafts is None:
            return
        loaded = self.drafts.load()
        if loaded is None:
            return
        form, started_at = loaded
        name = f"{form.first_name} {form.last_name}".strip() or "بی‌نام"
        nid = fa(form.national_id) if form.national_id else "بدون کد ملی"
        summary = f"{name}، کد ملی {nid}"

        def restore(ok: bool | None) -> None:
            if ok:
                self.load_form(form)
                if started_at:
                    self.started_at = float(started_at)
                self._lookup_now()
            elif self.drafts is not None:
                self.drafts.clear()

        self.app.push_screen(DraftModal(summary), restore)

    def _changed(self) -> None:
        if self._loading or self.drafts is None or self.saving or self.tracking.shown:
            return  # (while saving or once saved there is no draft to keep: the call is saved)
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(0.3, self._write_draft)

    def _write_draft(self) -> None:
        self._draft_timer = None
        if self.saving or self.tracking.shown:
            return  # a timer event already queued when the save stopped the timer
        if self.drafts is not None:
            self._save_draft(self.form(), self.started_at, self.drafts.epoch)

    @work(thread=True, group="draft", exit_on_error=False)
    def _save_draft(self, form: CallForm, started_at: float, epoch: int) -> None:
        if self.drafts is None:
            return
        if form.is_blank():
            self.drafts.clear()
        else:
            # dropped if the call was saved (the draft cleared) since this was asked for
            self.drafts.save(form, started_at=started_at, epoch=epoch)

    def _drop_draft(self) -> None:
        """The call is saved: no pending or running draft write may bring it back."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        if self.drafts is not None:
            self.drafts.clear()

    def flush_draft(self) -> None:
        """Write the draft now (tests; quitting)."""
        if self.drafts is not None and not self.saving:
            form = self.form()
            if form.is_blank():
                self.drafts.clear()
            else:
                self.drafts.save(form, started_at=self.started_at)
