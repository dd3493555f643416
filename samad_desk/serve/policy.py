"""What a served session may do and what its desk process gets (pure; docs/serve.md).

* :class:`SessionLimits`: sessions per operator and per host.
* :func:`rtl_mode_for`: the ``rtl_mode`` a desk gets from what an SSH client tells.
* :func:`desk_env`: the desk process's whole environment, built from nothing but what
  is named here (the server's own environment, e.g. a database URL, never reaches it).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: what a client may set in its desk's environment (OpenSSH sends LANG and LC_* by
#: default, ``SendEnv SAMAD_RTL_MODE`` picks the right-to-left mode by hand)
CLIENT_ENV = re.compile(r"^(LANG|LC_[A-Z]+|COLORTERM|SAMAD_RTL_MODE)$")
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.@:+-]{0,64}$")
_SAFE_TERM = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")


@dataclass
class SessionLimits:
    """At most ``per_operator`` sessions of one operator and ``per_host`` in all.

    ``acquire`` answers None when a session may start (and counts it), else the Persian
    reason it may not; every granted ``acquire`` is matched by one ``release``."""

    per_operator: int = 2
    per_host: int = 20
    _by_operator: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, who: str) -> str | None:
        who = who.lower()
        with self._lock:
            if sum(self._by_operator.values()) >= self.per_host:
                return f"این میزبان اکنون {self.per_host} نشست باز دارد؛ کمی بعد دوباره وصل شوید."
            if self._by_operator.get(who, 0) >= self.per_operator:
                return (f"شما اکنون {self.per_operator} نشست باز دارید؛ یکی را ببندید و دوباره"
                        " وصل شوید.")
            self._by_operator[who] = self._by_operator.get(who, 0) + 1
            return None

    def release(self, who: str) -> int:
        """Count one session of ``who`` as ended; the sessions ``who`` still has."""
        who = who.lower()
        with self._lock:
            left = max(0, self._by_operator.get(who, 0) - 1)
            if left:
                self._by_operator[who] = left
            else:
                self._by_operator.pop(who, None)
            return left

    def active(self, who: str | None = None) -> int:
        with self._lock:
            if who is None:
                return sum(self._by_operator.values())
            return self._by_operator.get(who.lower(), 0)


def rtl_mode_for(client_version: str | None, client_env: Mapping[str, str]) -> str:
    """The desk's ``rtl_mode`` for an SSH client.

    Over SSH the desk sees none of the variables its local detection reads
    (``TERM_PROGRAM``, ``VTE_VERSION``, ``WT_SESSION``): OpenSSH passes only ``TERM`` and,
    by default, ``LANG``/``LC_*``. So:

    * the client's own ``SAMAD_RTL_MODE`` (``SendEnv``, or PuTTY's Connection → Data →
      Environment variables) wins when valid;
    * PuTTY (and its forks, whose SSH version string says so) reorders and shapes
      Arabic script itself by default: ``terminal``, the README's choice for PuTTY;
    * everything else (OpenSSH from xterm, VTE, Windows Terminal, …) is ``auto``, which
      the desk resolves to ``visual``: xterm and Windows Terminal have no BiDi of their
      own and VTE is switched to explicit mode by ``CSI 8 l`` (terminal.py).
    """
    asked = (client_env.get("SAMAD_RTL_MODE") or "").strip().lower()
    if asked in ("auto", "visual", "terminal"):
        return asked
    version = (client_version or "").lower()
    if "putty" in version or "kitty" in version or "plink" in version:
        return "terminal"
    return "auto"


def desk_env(*, term: str | None, client_env: Mapping[str, str], rtl_mode: str, server_url: str,
             operator_dir: Path, data_dir: Path, config_dir: Path, home: Path,
             config_file: Path | None = None, path: str = "/usr/local/bin:/usr/bin:/bin") -> dict[str, str]:
    """The desk process's environment: nothing inherited from the server but ``PATH``."""
    env = {
        "PATH": path,
        "HOME": str(home),
        "TERM": term if term and _SAFE_TERM.match(term) else "xterm-256color",
        "LANG": "C.UTF-8",
        "SAMAD_DESK_SERVER_URL": server_url,
        "SAMAD_DESK_OPERATOR_DIR": str(operator_dir),
        "SAMAD_DESK_DATA_DIR": str(data_dir),
        "XDG_CONFIG_HOME": str(config_dir),
        "SAMAD_RTL_MODE": rtl_mode,
        "PYTHONUNBUFFERED": "1",
    }
    if config_file is not None:
        env["SAMAD_DESK_CONFIG_FILE"] = str(config_file)
    for name, value in client_env.items():
        if not (isinstance(name, str) and isinstance(value, str) and CLIENT_ENV.match(name)
                and name != "SAMAD_RTL_MODE" and _SAFE_VALUE.match(value)):
            continue
        if (name == "LANG" or name.startswith("LC_")) and not value.lower().endswith(("utf-8", "utf8")):
            continue  # the desk writes UTF-8 whatever the client's locale says
        env[name] = value
    return env
