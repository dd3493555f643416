"""The desk served to supervisors anywhere, without shell accounts (issue 18; docs/serve.md).

``samad-desk serve ssh`` (``ssh.py``): an SSH server whose only service is the desk, each
session its own desk process in a pseudo-terminal as the operator who logged in.
``samad-desk serve web`` (``web.py``): the same desk in a browser for the office LAN.

The pure parts (``policy.py``, ``hostkey.py``, ``desk_login.py``, ``pty_desk.py``) never
import Textual; only the desk processes these start do.
"""
