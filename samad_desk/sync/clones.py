"""A copied desk is told apart before it gives a citizen a tracking code.

A tracking code is the device's number (``client_no``, given by the central at login, one
per ``device_id``) and a counter the data directory keeps (domain.md). A copy of a desk
(the data and operator directories copied to another folder or machine, a cloned disk
image) holds the same device id, so the same number, and the same counter: its next
code is the original's next code. The central keeps the first case with a code and
refuses the second as a conflict, but the citizen has already been read the code.

So the operator directory records where it lives: its real path and the host (the
machine id, else the host name). :class:`~samad_desk.sync.tokens.TokenStore` checks that record
whenever it reads the directory; a directory that finds itself elsewhere is a copy. It
forgets the session, the device id, the op-signing key and the offline-login verifier
(:func:`forget_identity`): the copy cannot open a session, online or offline, until the
operator logs in again, and that login registers a new device, which the central gives a
new number. :func:`adopt_client_no` then puts that number into the store before the first
code is made (the engine at start, the importer before its first row), and moves the
copy's journal to a client id of its own (the original's belongs to the original's device).

A directory moved on purpose (a new disk, a renamed home) is a copy by this rule too: its
cost is one login. Copying only the data directory and pointing it at the same operator
directory is not detected: two data directories then share one device and its number.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from pathlib import Path
from typing import Any

log = logging.getLogger("samad_desk.sync")

_MACHINE_ID_FILES = ("/etc/machine-id", "/var/lib/dbus/machine-id")


def host_id() -> str:
    """This machine: its machine id (systemd/D-Bus), else its host name. Not the host name
    beside the machine id: a name handed out by DHCP may change, and every change would
    cost the operator a login. (A cloned disk image that keeps the machine id and the
    paths is therefore not told apart; clone tools that reset the machine id are.)"""
    for name in _MACHINE_ID_FILES:
        with contextlib.suppress(OSError):
            machine = Path(name).read_text(encoding="ascii", errors="replace").strip()
            if machine:
                return f"machine:{machine}"
    return f"host:{socket.gethostname()}"


def home_of(directory: Path) -> dict[str, str]:
    """Where an operator directory lives: its real path and this host."""
    return {"dir": os.path.realpath(directory), "host": host_id()}


def is_copy(recorded: Any, here: dict[str, str]) -> bool:
    """Whether a directory whose recorded home is ``recorded`` and that now lives at
    ``here`` was copied (or moved). A directory with no record yet is not a copy: it is
    stamped on first read (directories made before this check)."""
    if not isinstance(recorded, dict) or not recorded.get("dir"):
        return False
    return recorded.get("dir") != here["dir"] or recorded.get("host") != here["host"]


def forget_identity(operator_dir: Path) -> None:
    """The copy's op-signing key and offline-login verifier go (the session and device id
    are dropped by the token store itself): nothing of the original's identity is left to
    sign with or to log in offline with."""
    from samad_desk.sync.op_keys import OpKeyFile
    from samad_desk.sync.tokens import VERIFIER_FILE

    OpKeyFile(operator_dir).delete()
    with contextlib.suppress(FileNotFoundError):
        os.remove(Path(operator_dir) / VERIFIER_FILE)


def adopt_client_no(store: Any, tokens: Any) -> bool:
    """Put the number the central gave this device at login into the store, before any
    tracking code is made. True when the store's number changed.

    In a copy (the token store found its directory elsewhere) the journal's client id is
    the original's too, and belongs to the original's device at the central: the copy
    writes under a client id of its own from here on (its pending ops carried over, their
    op ids kept, so the central takes each once whichever desk sends it first)."""
    entry = tokens.load() or {}
    number = entry.get("client_no")
    if number is None or not hasattr(store, "set_client_state"):
        return False
    state = store.client_state()
    copied = getattr(tokens, "copied_from", None)
    if copied and state.get("copy_of") != copied and hasattr(store, "reset_client"):
        new_id = store.reset_client()
        store.set_client_state(copy_of=copied)
        log.warning("a copy of device %s: its journal continues as client %s", copied, new_id)
        state = store.client_state()
    if state.get("client_no") == number and state.get("client_no_source") == "server":
        return False
    store.set_client_state(client_no=int(number), client_no_source="server")
    return True
