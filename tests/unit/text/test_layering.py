"""The text core is pure: importing it must not pull in Textual (or Rich)."""

from __future__ import annotations

import subprocess
import sys


def test_text_core_does_not_import_textual():
    code = (
        "import sys, samad_desk.text, samad_desk.text.jalali, samad_desk.text.phone;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
