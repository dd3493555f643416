"""The call form's parts: a labelled field row, a searched choice list, the candidate
panel and the tracking-code panel. Import them from here (or from ``samad_desk.widgets``)."""

from samad_desk.widgets.form.candidates import CandidateList, candidate_lines
from samad_desk.widgets.form.fields import ChoiceField, FieldRow
from samad_desk.widgets.form.tracking import (
    FOLLOWUP_TITLE,
    SAVED_TITLE,
    TrackingPanel,
    big_code,
)

__all__ = [
    "FOLLOWUP_TITLE",
    "SAVED_TITLE",
    "CandidateList",
    "ChoiceField",
    "FieldRow",
    "TrackingPanel",
    "big_code",
    "candidate_lines",
]
