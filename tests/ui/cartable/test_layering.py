"""The reports and the case-action service are pure: importing them never loads Textual
(checked in a fresh interpreter; only ``sys.modules`` proves a deferred import defers)."""

from __future__ import annotations

import subprocess
import sys


def test_reports_and_case_actions_do_not_import_textual() -> None:
    code = (
        "import sys, samad_desk.reports, samad_desk.services.case_actions; "
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'samad_desk.screens',"
        " 'samad_desk.widgets', 'samad_desk.app'))]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
