"""The service layer the desk screens call: plain Python, never Textual.

Screens never touch the store, the domain rules or the network themselves; they call
these from workers and show the result. Everything a save needs is checked here *before*
anything reaches the journal: an action is either stored whole and valid, or not at all,
and every problem comes back as a Persian message (keyed by the form field it belongs to,
where there is one), so the screen can show it at that field.

One module per job; this package's namespace is the public surface:

- ``forms``: the call form, field labels, fixed choice lists
- ``reference``: subjects, cities, agencies as choices
- ``calls``: validating and saving a call
- ``drafts``: the call being typed, crash-safe
- ``followups`` and ``remote_cases``: follow-up calls, cases read from the server
- ``candidates``: the caller's candidates and the search index
- ``attention``: ops the server refused (dismiss, re-issue)
- ``login``, ``embedded``: logging in; the embedded default and its demo data
- ``case_actions``: the cartable, a case's actions, supervision
- ``citizen_details``: a citizen's details history and contact edits
- ``merges``: merging citizens and the duplicates queue
- ``imports``: ``samad-desk import`` of CSV/JSONL files
- ``display``: numbers and subjects inside Persian text (bidi isolates)
- ``session``: the one ``DeskSession`` (store, operator, actor, clock, calendar, sync,
  client), opened once from a ``DeskStartup``
- ``errors``, ``saving``, ``core``, ``desk``: the shared plumbing and ``DeskServices``
"""

from __future__ import annotations

from samad_desk.services.attention import op_summary
from samad_desk.services.calls import Confirmation, SaveResult
from samad_desk.services.candidates import Candidate
from samad_desk.services.desk import DeskServices
from samad_desk.services.display import isolated, subject_text, tracking_label
from samad_desk.services.drafts import DraftStore
from samad_desk.services.embedded import EMBEDDED_CURSOR, EMBEDDED_OPERATOR, seed_embedded_demo
from samad_desk.services.errors import FormInvalid, NeedsConfirmation, ServiceError, error_text
from samad_desk.services.followups import CaseView
from samad_desk.services.forms import (
    FIELD_LABELS,
    FIELD_ORDER,
    IDENTITY_FIELDS,
    MIN_DESCRIPTION,
    URGENCY_LABELS,
    CallForm,
    Choice,
    case_type_choices,
    filter_choices,
    urgency_choices,
)
from samad_desk.services.login import login
from samad_desk.services.remote_cases import RemoteCases
from samad_desk.services.session import DeskSession, DeskStartup, open_session

__all__ = [
    "EMBEDDED_CURSOR", "EMBEDDED_OPERATOR", "FIELD_LABELS", "FIELD_ORDER", "IDENTITY_FIELDS", "MIN_DESCRIPTION",
    "URGENCY_LABELS", "CallForm", "Candidate", "CaseView", "Choice", "Confirmation",
    "DeskServices", "DeskSession", "DeskStartup", "DraftStore", "FormInvalid", "NeedsConfirmation", "RemoteCases", "SaveResult",
    "ServiceError", "case_type_choices", "error_text", "filter_choices", "isolated", "login", "op_summary", "open_session",
    "seed_embedded_demo", "subject_text", "tracking_label", "urgency_choices",
]
