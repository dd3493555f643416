"""``samad-desk serve ssh``: an SSH server whose only service is the desk (docs/serve.md).

Every connection authenticates as a central operator (password checked by the central's
own login, or a key an administrator registered), then gets one session: the desk in a
pseudo-terminal as that operator, the client's TERM, size and resizes passed through.
No shell, exec, subsystem (SFTP), port or agent forwarding: each is refused and logged.
One JSON log line per login, refusal and logout (logger ``samad_desk.serve``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samad_desk.serve.desk_login import DeskLogins, LoginRefused
from samad_desk.serve.policy import SessionLimits, desk_env, rtl_mode_for
from samad_desk.serve.pty_desk import PtyDesk
from samad_desk.serve.sshlib import asyncssh

log = logging.getLogger("samad_desk.serve")

NO_PTY = "این خدمت فقط میز کار سامد را در یک پایانه باز می‌کند؛ با ssh -t وصل شوید."
IDLE = "نشست به سبب بی‌کاری بسته شد."
#: what a desk ended by the server may have left on in the client's terminal: the
#: alternate screen, mouse reports, bracketed paste, a hidden cursor, explicit BiDi mode
TERMINAL_RESET = (b"\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"
                  b"\x1b[?2004l\x1b[?25h\x1b[0m\x1b[8h")


def persian_line(text: str, rtl_mode: str) -> bytes:
    """A Persian message the server writes to the client itself (outside the desk): shaped
    and in visual order unless the client's terminal lays out BiDi itself."""
    from samad_desk.text import rtl

    line = text if rtl_mode == "terminal" else rtl.layout_line(text, mode="visual").visual.strip()
    return ("\r\n" + line + "\r\n").encode()


@dataclass
class SshConfig:
    server_url: str
    root: Path  # host key, operator directories
    data_dir: Path  # the desks' shared data directory on this host
    host: str = "0.0.0.0"
    port: int = 2222
    idle_timeout: float = 900.0
    login_timeout: float = 60.0
    limits: SessionLimits = field(default_factory=SessionLimits)
    config_file: Path | None = None
    desk_argv: list[str] = field(default_factory=lambda: [sys.executable, "-m", "samad_desk", "run"])


def _event(msg: str, **fields: Any) -> None:
    log.info(msg, extra={k: v for k, v in fields.items() if v is not None})


class DeskSshServer:
    """The listening server and what its connections share."""

    def __init__(self, config: SshConfig, logins: DeskLogins) -> None:
        self.config = config
        self.logins = logins
        self.limits = config.limits
        self.connections: set[_Connection] = set()
        self._server: Any = None

    async def start(self) -> None:
        from samad_desk.serve.hostkey import load_or_create

        key = load_or_create(self.config.root / "ssh_host_ed25519_key")
        left = await asyncio.to_thread(self.logins.sweep)
        if left:
            _event("ssh stale sessions logged out", usernames=left)
        self._server = await asyncssh.create_server(
            lambda: _Connection(self), self.config.host, self.config.port,
            server_host_keys=[key], encoding=None, allow_scp=False, sftp_factory=None,
            agent_forwarding=False, x11_forwarding=False, kbdint_auth=False,
            login_timeout=self.config.login_timeout, keepalive_interval=30, keepalive_count_max=3,
            server_version="samad-desk")
        _event("ssh listening", host=self.config.host, port=self.port,
               fingerprint=key.get_fingerprint("sha256"))

    @property
    def port(self) -> int:
        socks = self._server.sockets if self._server is not None else []
        return socks[0].getsockname()[1] if socks else self.config.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for conn in list(self.connections):
            await conn.end("server_stopped")


class _Connection(asyncssh.SSHServer):
    def __init__(self, server: DeskSshServer) -> None:
        self.server = server
        self.conn: Any = None
        self.ip = "?"
        self.username: str | None = None
        self.method: str | None = None
        self.key_fp: str | None = None
        self.operator: dict | None = None
        self.counted = False
        self.refusal: str | None = None
        self.session: _Session | None = None
        self.started = time.monotonic()
        self._refused_keys: set[str] = set()
        self._idle: asyncio.TimerHandle | None = None
        self._ended = False
        #: set once the login is done (a key login finishes after asyncssh opened the session)
        self.ready = asyncio.Event()

    # --- connection ----------------------------------------------------------------
    def connection_made(self, conn: Any) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.ip = str(peer[0])
        self.server.connections.add(self)
        self.touch()

    @property
    def client_version(self) -> str:
        """The client's SSH version string (``SSH-2.0-OpenSSH_9.2p1 …``, ``…-PuTTY_Release_0.78``)."""
        return str(self.conn.get_extra_info("client_version") or "") if self.conn is not None else ""

    def touch(self) -> None:
        """Input from the client: the idle timeout starts again."""
        if self._idle is not None:
            self._idle.cancel()
        self._idle = asyncio.get_running_loop().call_later(
            self.server.config.idle_timeout, lambda: asyncio.ensure_future(self.end("idle")))

    def connection_lost(self, exc: Exception | None) -> None:
        asyncio.ensure_future(self.end("disconnected"))

    async def end(self, reason: str) -> None:
        """Close everything of this connection once: the desk, the channel, the count,
        and (the operator's last session on this host) the desk's login."""
        if self._ended:
            return
        self._ended = True
        self.server.connections.discard(self)
        if self._idle is not None:
            self._idle.cancel()
        if self.session is not None:
            await self.session.close(IDLE if reason == "idle" else None)
            with contextlib.suppress(Exception):  # the last words reach the client first
                await asyncio.wait_for(self.session.chan.wait_closed(), 3)
        if self.conn is not None:
            self.conn.close()
        if self.counted:
            left = self.server.limits.release(self.username)
            logged_out = False
            if not left:
                logged_out = await asyncio.to_thread(self.server.logins.logout, self.username)
            _event("ssh logout", username=self.username, ip=self.ip, method=self.method, reason=reason,
                   seconds=round(time.monotonic() - self.started, 1), session_ended=logged_out)

    def refuse(self, reason: str, **fields: Any) -> None:
        _event("ssh refused", username=self.username, ip=self.ip, reason=reason,
               client=self.client_version, **fields)

    # --- authentication ----------------------------------------------------------------
    def begin_auth(self, username: str) -> bool:
        self.username = username
        self.touch()
        return True

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        why = self.server.limits.acquire(username)
        if why:
            self.refuse("limit", method="password")
            return False
        try:
            self.operator = await asyncio.to_thread(
                self.server.logins.login_password, username, password, self.ip)
        except LoginRefused as exc:
            self.server.limits.release(username)
            self.refuse(exc.reason, method="password")
            return False
        self.counted, self.method = True, "password"
        _event("ssh login", username=username, ip=self.ip, method="password",
               operator=self.operator.get("id"), role=self.operator.get("role"), client=self.client_version)
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: Any) -> bool:
        fp = key.get_fingerprint("sha256")
        if await asyncio.to_thread(self.server.logins.key_allowed, username, fp):
            self.key_fp = fp
            return True
        if fp not in self._refused_keys:  # a client offers each of its keys once
            self._refused_keys.add(fp)
            self.refuse("unknown_key", method="publickey", fingerprint=fp)
        return False

    async def auth_completed(self) -> None:
        try:
            await self._finish_key_login()
        finally:
            self.ready.set()

    async def _finish_key_login(self) -> None:
        """A key login is counted and logged here; the desk's session at the central is
        opened only when a desk starts (:meth:`open_desk_session`): a connection that
        only asks for something refused never holds tokens."""
        if self.method == "password" or self.key_fp is None:
            return
        why = self.server.limits.acquire(self.username or "")
        if why:
            self.refusal = why
            self.refuse("limit", method="publickey", fingerprint=self.key_fp)
            return
        self.counted, self.method = True, "publickey"
        _event("ssh login", username=self.username, ip=self.ip, method="publickey",
               fingerprint=self.key_fp, client=self.client_version)

    async def open_desk_session(self) -> str | None:
        """Log the desk in (a key login; a password login already is); the Persian
        reason when it cannot be."""
        if self.method != "publickey" or self.operator is not None:
            return None
        try:
            self.operator = await asyncio.to_thread(self.server.logins.login_key, self.username, self.key_fp)
        except LoginRefused as exc:  # revoked, or the operator deactivated, since the key check
            self.refuse(exc.reason, method="publickey", fingerprint=self.key_fp)
            return exc.message
        return None

    # --- what a session may ask ---------------------------------------------------------
    def session_requested(self) -> Any:
        if self.session is not None:
            self.refuse("second_session")
            return False
        self.session = _Session(self)
        return self.session

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        self.refuse("port_forward", dest=f"{dest_host}:{dest_port}")
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        self.refuse("remote_forward", listen=f"{listen_host}:{listen_port}")
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        self.refuse("port_forward", dest=dest_path)
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        self.refuse("remote_forward", listen=listen_path)
        return False


class _Session(asyncssh.SSHServerSession):
    def __init__(self, owner: _Connection) -> None:
        self.owner = owner
        self.chan: Any = None
        self.term: str | None = None
        self.size = (80, 24)
        self.desk: PtyDesk | None = None
        self.denied: str | None = None
        self.closing = False

    def connection_made(self, chan: Any) -> None:
        self.chan = chan

    @property
    def client_env(self) -> dict[str, str]:
        return dict(self.chan.get_environment() or {}) if self.chan is not None else {}

    @property
    def rtl_mode(self) -> str:
        return rtl_mode_for(self.owner.client_version, self.client_env)

    def pty_requested(self, term_type: str, term_size: tuple, term_modes: Any) -> bool:
        self.term = term_type
        if term_size and term_size[0] and term_size[1]:
            self.size = (term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.owner.refuse("exec", command=command[:120])
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        self.owner.refuse("subsystem", subsystem=subsystem[:40])
        return False

    def session_started(self) -> None:
        asyncio.ensure_future(self._start())

    async def _start(self) -> None:
        await self.owner.ready.wait()
        self.owner.touch()  # the idle time counts from the desk's start
        if self.owner.refusal:
            self.denied = self.owner.refusal
        elif self.term is None:
            self.owner.refuse("no_pty")
            self.denied = NO_PTY
        else:
            self.denied = await self.owner.open_desk_session()
        if self.denied:
            self.chan.write(persian_line(self.denied, self.rtl_mode))
            self.chan.exit(1)
            return
        owner = self.owner
        cfg = owner.server.config
        op_dir = owner.server.logins.operator_dir(owner.username or "")
        env = desk_env(term=self.term, client_env=self.client_env, rtl_mode=self.rtl_mode,
                       server_url=owner.server.logins.server_url, operator_dir=op_dir,
                       data_dir=cfg.data_dir, config_dir=op_dir / "config", home=op_dir,
                       config_file=cfg.config_file)
        self.desk = PtyDesk(cfg.desk_argv, env, str(op_dir), self.size[0], self.size[1],
                            on_output=self._output, on_exit=self._exited)
        try:
            await self.desk.start()
        except OSError as exc:
            log.error("desk did not start", extra={"username": owner.username, "error": str(exc)})
            self.chan.write(persian_line("میز کار باز نشد؛ به سرپرست سامانه خبر دهید.", self.rtl_mode))
            self.chan.exit(1)
            return
        _event("ssh desk started", username=owner.username, pid=self.desk.pid, term=env["TERM"],
               operator=(owner.operator or {}).get("id"), role=(owner.operator or {}).get("role"),
               rtl_mode=env["SAMAD_RTL_MODE"], size=f"{self.size[0]}x{self.size[1]}")

    def _output(self, data: bytes) -> None:
        with contextlib.suppress(Exception):
            self.chan.write(data)

    def _exited(self, code: int) -> None:
        if self.closing:  # ended by the server: close() says why and exits
            return
        with contextlib.suppress(Exception):
            self.chan.exit(code if 0 <= code < 256 else 1)

    def data_received(self, data: bytes, datatype: Any) -> None:
        self.owner.touch()
        if self.desk is not None:
            self.desk.write(data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = (width, height)
        if self.desk is not None:
            self.desk.resize(width, height)

    def eof_received(self) -> bool:
        """The client sends nothing more (``ssh -T … < /dev/null``): the channel stays
        half open, so what the server still has to say (the desk, or why there is none)
        reaches the client; the idle timeout ends a desk nobody can type into."""
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        asyncio.ensure_future(self.owner.end("closed"))

    async def close(self, message: str | None = None) -> None:
        self.closing = True
        if self.desk is not None and self.desk.proc is not None and self.desk.proc.returncode is None:
            await self.desk.kill()
            with contextlib.suppress(Exception):
                self.chan.write(TERMINAL_RESET)
        if message:
            with contextlib.suppress(Exception):
                self.chan.write(persian_line(message, self.rtl_mode))
        with contextlib.suppress(Exception):
            self.chan.exit(0)


async def run_ssh(config: SshConfig, db_url: str, *, ready: Any = None) -> None:
    """Serve until SIGTERM/SIGINT; ``ready(port)`` once listening."""
    import signal

    from samad_desk.central.service import Central

    central = Central(db_url)
    server = DeskSshServer(config, DeskLogins(central, config.root, config.server_url))
    try:
        await server.start()
        if ready is not None:
            ready(server.port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await server.close()
        central.close()
