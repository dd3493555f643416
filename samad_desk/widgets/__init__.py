"""Right-to-left widgets (design/rtl.md §5). Import the classes from here."""

from samad_desk.widgets.ltr_fields import EmailInput, LTRInput, NationalIdInput, PhoneInput
from samad_desk.widgets.rtl_input import RTLInput
from samad_desk.widgets.rtl_label import RTLLabel, RTLStatic
from samad_desk.widgets.rtl_notify import notify as notify_rtl
from samad_desk.widgets.rtl_table import RTLColumn, RTLTable
from samad_desk.widgets.rtl_text_area import RTLTextArea

__all__ = [
    "EmailInput",
    "LTRInput",
    "NationalIdInput",
    "PhoneInput",
    "RTLColumn",
    "RTLInput",
    "RTLLabel",
    "RTLStatic",
    "RTLTable",
    "RTLTextArea",
    "notify_rtl",
]
