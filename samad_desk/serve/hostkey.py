"""The SSH server's host key: made on first start, kept 0600, never replaced silently.

A host key that changed would make every client warn of an attack, so an existing file
is only ever read. A file other users may read is refused (its secret may have leaked):
the administrator fixes the mode or removes the file to have a new key made.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from samad_desk.sync.tokens import write_private


class HostKeyError(RuntimeError):
    pass


def load_or_create(path: Path):
    """The host key at ``path`` (an ``asyncssh.SSHKey``), made there (Ed25519, 0600 in a
    0700 directory) when the file does not exist."""
    from samad_desk.serve.sshlib import asyncssh

    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        key = asyncssh.generate_private_key("ssh-ed25519", comment="samad-desk serve ssh")
        write_private(path, key.export_private_key())
        return key
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise HostKeyError(
            f"کلید میزبان {path} را کاربران دیگر هم می‌توانند بخوانند (حالت {stat.filemode(st.st_mode)});"
            " با chmod 600 آن را خصوصی کنید یا پاکش کنید تا کلید تازه‌ای ساخته شود.")
    if st.st_uid != os.geteuid():
        raise HostKeyError(f"کلید میزبان {path} از آنِ کاربر دیگری است.")
    return asyncssh.read_private_key(str(path))
