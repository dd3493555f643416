"""Every dialog of the desk, on one base (:class:`Dialog`). Import them from here."""

from samad_desk.screens.modals.call import (
    CitizenDecisionModal,
    ConfirmModal,
    DraftModal,
    FollowupOfferModal,
)
from samad_desk.screens.modals.case_action import ActionForm, FormField
from samad_desk.screens.modals.contact_edit import ContactEditModal
from samad_desk.screens.modals.dialog import Dialog
from samad_desk.screens.modals.help import HelpModal
from samad_desk.screens.modals.merge_pick import MergePickModal

__all__ = [
    "ActionForm",
    "CitizenDecisionModal",
    "ConfirmModal",
    "ContactEditModal",
    "Dialog",
    "DraftModal",
    "FollowupOfferModal",
    "FormField",
    "HelpModal",
    "MergePickModal",
]
