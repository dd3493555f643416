"""Every widget of the desk, behind this one public surface (design/rtl.md §5).

- right-to-left primitives: :class:`RTLStatic`, :class:`RTLLabel`, :class:`RTLInput`,
  :class:`RTLTextArea`, :class:`RTLTable`, :class:`RtlOptionList` and the left-to-right
  fields (:class:`NationalIdInput`, :class:`PhoneInput`, :class:`DigitsInput` …);
- the desk's frame (``chrome``): :class:`DeskHeader`, :class:`BottomBars` (key hints, sync
  banner, status bar) and :class:`RLine`;
- by feature: ``form`` (the call form's field rows, candidates, tracking panel), ``cases``
  (the case table and the supervisor's charts) and :class:`MergeGrid`.

Screens and dialogs live in :mod:`samad_desk.screens`; a widget never reads the store.
Messages a widget sends are nested in its class (``CaseTable.Chosen``,
``ChoiceField.Chosen``, ``TrackingPanel.Closed``).
"""

import importlib
from typing import TYPE_CHECKING, Any

from samad_desk.widgets.ltr_fields import (
    DigitsInput,
    EmailInput,
    LandlineInput,
    LTRInput,
    NationalIdInput,
    PhoneInput,
    PostalCodeInput,
)
from samad_desk.widgets.rtl_input import RTLInput
from samad_desk.widgets.rtl_label import RTLLabel, RTLStatic
from samad_desk.widgets.rtl_notify import notify as notify_rtl
from samad_desk.widgets.rtl_options import RtlOptionList, option_text_width
from samad_desk.widgets.rtl_table import RTLColumn, RTLTable
from samad_desk.widgets.rtl_text_area import RTLTextArea

if TYPE_CHECKING:
    from samad_desk.widgets.cases import CaseTable, ChartView, Col
    from samad_desk.widgets.chrome import (
        BottomBars,
        DeskHeader,
        KeyBar,
        RLine,
        StatusBar,
        SyncBanner,
    )
    from samad_desk.widgets.form import CandidateList, ChoiceField, FieldRow, TrackingPanel
    from samad_desk.widgets.merge_grid import MergeGrid

#: the desk's own widgets, imported on first use (as Textual's ``widgets/__init__`` does):
#: ``import samad_desk.widgets`` stays as light as the RTL primitives, and the call form
#: does not load the supervisor's charts or the merge grid with it
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        ("BottomBars", "DeskHeader", "KeyBar", "RLine", "StatusBar", "SyncBanner"), "samad_desk.widgets.chrome"
    ),
    **dict.fromkeys(("CaseTable", "ChartView", "Col"), "samad_desk.widgets.cases"),
    **dict.fromkeys(("CandidateList", "ChoiceField", "FieldRow", "TrackingPanel"), "samad_desk.widgets.form"),
    "MergeGrid": "samad_desk.widgets.merge_grid",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "BottomBars",
    "CandidateList",
    "CaseTable",
    "ChartView",
    "ChoiceField",
    "Col",
    "DeskHeader",
    "DigitsInput",
    "EmailInput",
    "FieldRow",
    "KeyBar",
    "LTRInput",
    "LandlineInput",
    "MergeGrid",
    "NationalIdInput",
    "PhoneInput",
    "PostalCodeInput",
    "RLine",
    "RTLColumn",
    "RTLInput",
    "RTLLabel",
    "RTLStatic",
    "RTLTable",
    "RTLTextArea",
    "RtlOptionList",
    "StatusBar",
    "SyncBanner",
    "TrackingPanel",
    "notify_rtl",
    "option_text_width",
]
