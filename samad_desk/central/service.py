"""The central server's logic, without HTTP: accounts, tokens, lookups, tracking.

:class:`Central` owns the engine and the configuration. The HTTP layer (``app.py``)
parses requests, calls one method in a worker thread and turns :class:`ApiError` into a
JSON answer. Push and pull live in ``push.py`` / ``pull.py`` and are mixed in here.

Every method that serves an operator takes a :class:`Principal`, built from the access
token by :meth:`Central.authenticate`: role, agency, office and province come from the
database, never from the request.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, insert, select, update

from samad_desk.central import audit, auth, db, keys
from samad_desk.central.audit_service import AuditMixin
from samad_desk.central.changes import ChangeBuffer, Pending, flush
from samad_desk.central.citizen_web import CitizenWebMixin
from samad_desk.central.entities import Ctx, Repo, dumps, loads
from samad_desk.central.errors import ApiError, bad_request, forbidden, unauthorized
from samad_desk.central.pull import PullMixin
from samad_desk.central.push import PushMixin
from samad_desk.central.registry import CivilRegistry, open_registry
from samad_desk.central.scopes import PUBLIC
from samad_desk.central.ssh_keys import SshKeyMixin
from samad_desk.central.throttle import DbRateLimiter
from samad_desk.domain.ids import is_safe_id
from samad_desk.domain.permissions import ROLE_NAMES, is_agency_role

log = logging.getLogger("samad_desk.central")

DEFAULT_PROVINCE = "qazvin"


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Principal:
    operator: dict
    device_id: str

    @property
    def id(self) -> str:
        return self.operator["id"]

    @property
    def role(self) -> str:
        return self.operator["role"]


@dataclass
class Faults:
    """Test-only fault injection, enabled through ``SAMAD_CENTRAL_FAULTS`` (JSON):
    ``{"crash": {"between_ops": 0.05, "before_commit": 0.02,
    "after_commit_before_response": 0.1}, "seed": 1, "poison_marker": "__poison__"}``.
    A crash point kills the process with SIGKILL-like ``os._exit(137)``; an op whose
    payload holds the poison marker raises inside the reducer call every time.
    """

    crash: dict[str, float] = field(default_factory=dict)
    poison_marker: str | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def from_env(cls) -> Faults:
        raw = os.environ.get("SAMAD_CENTRAL_FAULTS")
        if not raw:
            return cls()
        import json

        cfg = json.loads(raw)
        return cls(crash=cfg.get("crash", {}), poison_marker=cfg.get("poison_marker"),
                   seed=cfg.get("seed"))

    def point(self, name: str) -> None:
        p = self.crash.get(name)
        if p and self._rng.random() < p:
            log.warning("crash point %s: exiting", name)
            logging.shutdown()
            os._exit(137)


class Central(CitizenWebMixin, PushMixin, PullMixin, AuditMixin, SshKeyMixin):
    def __init__(
        self,
        db_url: str,
        registry_file: str | Path | None = None,
        *,
        calendar: Any = None,
        login_limit: tuple[int, float] = (5, 300.0),
        track_limit: tuple[int, float] = (20, 60.0),
        track_code_limit: tuple[int, float] = (30, 3600.0),
        poison_attempts: int = 5,
        faults: Faults | None = None,
        hooks: dict[str, Callable[..., Any]] | None = None,
        clock: Callable[[], datetime] = utcnow,
        audit_key_file: str | Path | None = None,
    ):
        self.db_url = db_url
        #: the checkpoint key's file (default: audit.default_key_path)
        self.audit_key_file = audit_key_file
        self.engine = db.open_engine(db_url)
        self.sqlite = db.is_sqlite(self.engine)
        self.w = db.writer(self.engine)
        db.migrate(self.engine)
        with self.engine.connect() as conn:
            self.secret = db.get_meta(conn, "jwt_secret") or ""
        self.registry: CivilRegistry | None = open_registry(registry_file)
        self._calendar = calendar
        with self.engine.connect() as conn:
            #: made once per database (migration 4): tells desks which central they reach
            self.server_id = db.get_meta(conn, "server_id") or ""
        # in the database: every process of this central counts the same events
        self.login_limiter = DbRateLimiter(self.engine, "login", *login_limit)
        self.login_ip_limiter = DbRateLimiter(self.engine, "login-ip", login_limit[0] * 10, login_limit[1])
        self.track_limiter = DbRateLimiter(self.engine, "track", *track_limit)
        # per tracking code, whatever the address (a guess of the four mobile digits
        # spread over many addresses)
        self.track_code_limiter = DbRateLimiter(self.engine, "track-code", *track_code_limit)
        self.poison_attempts = poison_attempts
        self.faults = faults or Faults.from_env()
        self.hooks = hooks or {}
        self.clock = clock

    def close(self) -> None:
        self.stop_checkpoints()
        self.engine.dispose()

    @property
    def calendar(self) -> Any:
        if self._calendar is None:
            # the same settings as the desks: SAMAD_DESK_WEEKEND, SAMAD_DESK_HOLIDAYS_FILE
            # (announced holidays and closures), SAMAD_DESK_PROVINCE, sla_days, …
            from samad_desk.domain.sla import WorkingCalendar
            from samad_desk.settings import SettingsError, load_settings

            try:
                self._calendar = WorkingCalendar.from_settings(load_settings())
            except SettingsError as exc:
                log.warning("settings unusable, default calendar: %s", exc)
                self._calendar = WorkingCalendar()
        return self._calendar

    def epoch(self, conn) -> int:
        return int(db.get_meta(conn, "epoch") or 1)

    # -- accounts -------------------------------------------------------------------------
    @staticmethod
    def operator_public(row: Any) -> dict:
        return {
            "id": row.id,
            "username": row.username,
            "name": row.name,
            "role": row.role,
            "agency_id": row.agency_id,
            "office_id": row.office_id,
            "province": row.province,
        }

    def _operator_by(self, conn, **where: Any):
        t = db.operators
        cond = [getattr(t.c, k) == v for k, v in where.items()]
        return conn.execute(select(t).where(and_(*cond))).first()

    def add_agency(self, agency: dict) -> dict:
        from samad_desk.domain.models import new_agency
        from samad_desk.text.normalize import normalize_line

        data = new_agency(**agency)
        for key in ("name", "manager_name", "city"):
            data[key] = normalize_line(data.get(key) or "") if isinstance(data.get(key), str) else ""
        if not data.get("id") or not data.get("name"):
            raise ValueError("شناسه و نام دستگاه لازم است.")
        if not is_safe_id(data["id"]):
            raise ValueError(f"شناسه دستگاه «{normalize_line(str(data['id']))}» نامعتبر است؛ فقط حروف و رقم لاتین و - _ . : @")
        days, max_days = data.get("sla_days"), data.get("sla_max_days")
        if not (isinstance(days, int) and isinstance(max_days, int) and 1 <= days <= max_days <= 365):
            raise ValueError("مهلت پاسخ (روز کاری) باید عددی مثبت و حداکثر مهلت دست‌کم برابر آن باشد.")
        data.setdefault("province", DEFAULT_PROVINCE)
        data["province"] = data["province"] or DEFAULT_PROVINCE
        if not is_safe_id(data["province"]):
            raise ValueError("شناسه استان نامعتبر است.")
        with self.w.begin() as conn:
            repo = Repo(conn, lock=not self.sqlite)
            old = repo.row("agency", data["id"])
            data["version"] = (old.version if old is not None else 0) + 1
            self._admin_put(conn, repo, "agency", data, old)
        return data

    def add_user(
        self,
        username: str,
        password: str,
        role: str,
        *,
        name: str | None = None,
        agency_id: str | None = None,
        office_id: str | None = None,
        province: str = DEFAULT_PROVINCE,
        operator_id: str | None = None,
    ) -> dict:
        from samad_desk.text.normalize import normalize_line

        # any script, but nothing a terminal or a log would interpret, and no spaces
        if (not isinstance(username, str) or not 0 < len(username) <= 64 or " " in username
                or normalize_line(username) != username):
            raise ValueError(f"نام کاربری «{normalize_line(str(username))}» نامعتبر است؛ بدون فاصله، نویسهٔ کنترلی یا نشانهٔ جهت")
        for value in (agency_id, office_id, province):
            if value is not None and not is_safe_id(value):
                raise ValueError(f"شناسه «{normalize_line(str(value))}» نامعتبر است.")
        name = normalize_line(name) if isinstance(name, str) else None
        if role not in ROLE_NAMES:
            raise ValueError(f"unknown role {role!r}")
        if is_agency_role(role) and not agency_id:
            raise ValueError("officers and managers need an agency")
        from samad_desk.domain.ids import uuid7

        with self.w.begin() as conn:
            repo = Repo(conn, lock=not self.sqlite)
            if agency_id and repo.get("agency", agency_id) is None:
                raise ValueError(f"unknown agency {agency_id!r}")
            existing = self._operator_by(conn, username=username)
            oid = existing.id if existing is not None else (operator_id or uuid7())
            values = {
                "username": username,
                "name": name or username,
                "role": role,
                "agency_id": agency_id,
                "office_id": office_id or agency_id or f"111-{province}",
                "province": province,
                "password_hash": auth.hash_password(password),
                "active": True,
            }
            if existing is None:
                conn.execute(insert(db.operators).values(id=oid, created_at=iso(self.clock()), **values))
            else:
                conn.execute(update(db.operators).where(db.operators.c.id == oid).values(**values))
                # a password reset (or a new role) ends every signing key made so far
                keys.revoke(conn, iso(self.clock()), operator_id=oid)
            row = self._operator_by(conn, id=oid)
            data = self.operator_public(row)
            old = repo.row("operator", oid)
            data["version"] = (old.version if old is not None else 0) + 1
            self._admin_put(conn, repo, "operator", data, old)
        return data

    def _admin_put(self, conn, repo: Repo, entity: str, data: dict, old: Any) -> None:
        repo.put(entity, data["id"], data, Ctx(), old=old)
        buf = ChangeBuffer([Pending(entity, data["id"], "put", data["version"], dumps(data), None, {PUBLIC})])
        flush(conn, buf)

    def import_entities(self, items: list[tuple[str, dict]]) -> dict[str, int]:
        """Write ready-made entities (demo data, a migration) with change rows, as if
        pushed: cases are scoped to the operator who registered them (from their
        ``register`` event), citizens to the 111 office of the province."""
        registrant: dict[str, dict] = {}
        for kind, d in items:
            if kind == "event" and d.get("kind") == "register":
                registrant[d["case_id"]] = d.get("actor") or {}
        counts: dict[str, int] = {}
        with self.w.begin() as conn:
            repo = Repo(conn, lock=not self.sqlite)
            written = []
            for kind, d in items:
                data = dict(d)
                data["version"] = int(data.get("version") or 1)
                if kind == "case":
                    a = registrant.get(data["id"], {})
                elif kind == "event":
                    case_id = data.get("case_id")
                    a = (registrant.get(case_id, {}) if isinstance(case_id, str) else {}) or (data.get("actor") or {})
                else:
                    a = {}
                ctx = Ctx(a.get("operator_id"), a.get("office_id") or f"111-{DEFAULT_PROVINCE}", DEFAULT_PROVINCE)
                old = repo.row(kind, data["id"])
                written.append((kind, repo.put(kind, data["id"], data, ctx, old=old)))
                counts[kind] = counts.get(kind, 0) + 1
            buf = ChangeBuffer()
            chained = []
            for kind, row in written:
                if kind == "event" and row.case_id:
                    chained.append((len(buf.items), row))
                buf.items.append(Pending(kind, row.id, "put", row.version, row.data, None,
                                         repo.scope_of(kind, row)))
            first, _top = flush(conn, buf)
            audit.append_imported(conn, chained, first)
        return counts

    def revoke_device(self, device_id: str) -> bool:
        """Withdraw a device (lost or stolen host): its tokens stop working at once, its
        refresh tokens are revoked. Returns False for an unknown device."""
        with self.w.begin() as conn:
            t = db.devices
            if conn.execute(select(t.c.id).where(t.c.id == device_id)).first() is None:
                return False
            conn.execute(update(t).where(t.c.id == device_id).values(revoked=True))
            r = db.refresh_tokens
            conn.execute(update(r).where(r.c.device_id == device_id).values(revoked=True, rotated_at=None))
        return True

    def logout(self, principal: Principal) -> dict:
        """End this operator's session on this device: refresh tokens and op-signing keys
        of (operator, device) are revoked; ops signed before still count when the
        operator pushes them with a new login, no longer when anyone else does."""
        with self.w.begin() as conn:
            r = db.refresh_tokens
            conn.execute(update(r).where(and_(r.c.operator_id == principal.id, r.c.device_id == principal.device_id))
                         .values(revoked=True, rotated_at=None))
            n = keys.revoke(conn, iso(self.clock()), operator_id=principal.id, device_id=principal.device_id)
        log.info("logout", extra={"operator": principal.id, "device": principal.device_id})
        return {"ok": True, "revoked_keys": n}

    def revoke_keys(self, *, username: str | None = None, device_id: str | None = None,
                    key_id: str | None = None) -> int | None:
        """Revoke op-signing keys by operator, device or key id; None for an unknown user."""
        with self.w.begin() as conn:
            operator_id = None
            if username is not None:
                row = self._operator_by(conn, username=username)
                if row is None:
                    return None
                operator_id = row.id
            return keys.revoke(conn, iso(self.clock()), operator_id=operator_id, device_id=device_id,
                               key_id=key_id)

    def deactivate_user(self, username: str) -> bool:
        with self.w.begin() as conn:
            t = db.operators
            res = conn.execute(update(t).where(t.c.username == username).values(active=False))
            return res.rowcount > 0

    def bump_epoch(self) -> int:
        """Start a new cursor epoch (after a restore from backup): every desk resyncs."""
        with self.w.begin() as conn:
            new = self.epoch(conn) + 1
            db.set_meta(conn, "epoch", str(new))
        return new

    # -- login and tokens -----------------------------------------------------------------
    def _device(self, conn, device_id: str, operator: Any) -> Any:
        t = db.devices
        row = conn.execute(select(t).where(t.c.id == device_id)).first()
        if row is not None:
            return row
        top = conn.execute(select(func.max(t.c.client_no))).scalar() or 0
        conn.execute(
            insert(t).values(
                id=device_id,
                client_no=top + 1,
                office_id=operator.office_id,
                first_operator_id=operator.id,
                created_at=iso(self.clock()),
                revoked=False,
            )
        )
        return conn.execute(select(t).where(t.c.id == device_id)).first()

    def _issue(self, conn, operator: Any, device: Any) -> dict:
        token, digest = auth.new_refresh_token()
        conn.execute(
            insert(db.refresh_tokens).values(
                token_hash=digest,
                operator_id=operator.id,
                device_id=device.id,
                expires_at=int(time.time()) + auth.REFRESH_TTL_S,
                revoked=False,
            )
        )
        return {
            "access_token": auth.make_access_token(self.secret, operator.id, device.id),
            "refresh_token": token,
            "token_type": "bearer",
            "expires_in": auth.ACCESS_TTL_S,
            "refresh_expires_in": auth.REFRESH_TTL_S,
            "operator": self.operator_public(operator),
            "device_id": device.id,
            "client_no": device.client_no,
            "server_id": self.server_id,
            "server_time": iso(self.clock()),
        }

    def login(self, username: object, password: object, device_id: str | None, ip: str,
              op_key: str | None = None) -> dict:
        if not isinstance(username, str) or not isinstance(password, str) or not username:
            raise bad_request("نام کاربری و گذرواژه لازم است.")
        if device_id is not None and not is_safe_id(device_id, 128):
            raise bad_request("شناسه دستگاه معتبر نیست.")
        key = f"{username.lower()}|{ip}"
        # per username+IP, and a looser per-IP bound against guessing across usernames
        wait = max(self.login_limiter.blocked(key), self.login_ip_limiter.blocked(ip))
        if wait:
            raise ApiError(
                429,
                "too_many_attempts",
                f"تلاش‌های ناموفق ورود بیش از حد مجاز بود؛ {wait} ثانیه دیگر دوباره تلاش کنید.",
                headers={"Retry-After": str(wait)},
                retry_after=wait,
            )
        if len(username) <= 64 and "\x00" not in username:  # NUL: an error on PostgreSQL
            with self.engine.connect() as conn:
                op = self._operator_by(conn, username=username)
        else:
            op = None
        if op is None:
            auth.burn_time(password)
            ok = False
        else:
            ok = op.active and auth.verify_password(op.password_hash, password)
        if not ok:
            self.login_limiter.hit(key)
            self.login_ip_limiter.hit(ip)
            log.info("login failed", extra={"username": username, "ip": ip})
            raise ApiError(401, "invalid_credentials", "نام کاربری یا گذرواژه نادرست است.")
        self.login_limiter.reset(key)
        return self._open_session(op, device_id, op_key)

    def _open_session(self, op: Any, device_id: str | None, op_key: str | None) -> dict:
        """Tokens (and the op-signing key) for ``op`` on ``device_id``: a password login
        or an SSH key login of ``samad-desk serve ssh`` (``central/ssh_keys.py``)."""
        from samad_desk.domain.ids import uuid7

        device_id = device_id or f"dev-{uuid7()}"
        for attempt in range(3):
            try:
                with self.w.begin() as conn:
                    device = self._device(conn, device_id, op)
                    if device.revoked:
                        raise forbidden("این دستگاه از سامانه خارج شده است.")
                    answer = self._issue(conn, op, device)
                    if op_key is not None:
                        answer["op_key_id"] = keys.register(conn, op.id, device.id, op_key,
                                                            iso(self.clock()))
                break
            except ApiError:
                raise
            except Exception:  # a concurrent first login of another device took the number
                if attempt == 2:
                    raise
        log.info("login", extra={"operator": op.id, "device": device_id})
        return answer

    def refresh(self, refresh_token: object) -> dict:
        if not isinstance(refresh_token, str) or not refresh_token:
            raise bad_request("توکن تمدید لازم است.")
        digest = auth.token_hash(refresh_token)
        t = db.refresh_tokens
        now = time.time()
        with self.w.begin() as conn:
            row = conn.execute(select(t).where(t.c.token_hash == digest)).first()
            if row is None or row.expires_at < now:
                raise unauthorized("refresh_invalid")
            if row.revoked:
                # rotated moments ago and the answer lost on the way: the desk still holds
                # this one; a logout or a revoked device (no rotated_at) gets no grace
                if row.rotated_at is None or now - row.rotated_at > auth.REFRESH_GRACE_S:
                    raise unauthorized("refresh_invalid")
            else:
                conn.execute(update(t).where(t.c.token_hash == digest).values(revoked=True, rotated_at=int(now)))
            op = self._operator_by(conn, id=row.operator_id)
            if op is None or not op.active:
                raise unauthorized("refresh_invalid")
            device = conn.execute(select(db.devices).where(db.devices.c.id == row.device_id)).first()
            if device is None or device.revoked:
                raise forbidden("این دستگاه از سامانه خارج شده است.")
            return self._issue(conn, op, device)

    def authenticate(self, header: str | None) -> Principal:
        if not header or not header.lower().startswith("bearer "):
            raise unauthorized("missing")
        try:
            claims = auth.decode_access_token(self.secret, header[7:].strip())
        except auth.TokenError as exc:
            raise unauthorized(str(exc)) from None
        with self.engine.connect() as conn:
            op = self._operator_by(conn, id=claims["sub"])
            device = conn.execute(select(db.devices).where(db.devices.c.id == claims.get("dev"))).first()
        if op is None or not op.active:
            raise unauthorized("invalid")
        if device is None or device.revoked:
            raise forbidden("این دستگاه از سامانه خارج شده است.")
        return Principal(self.operator_public(op), device.id)

    # -- civil registry -------------------------------------------------------------------
    def registry_lookup(self, principal: Principal, national_id: str | None) -> dict:
        from samad_desk.text.national_id import parse_national_id

        parsed = parse_national_id(national_id or "")
        if not parsed.ok or parsed.value is None:
            raise bad_request(parsed.error or "کد ملی معتبر نیست.", "invalid_national_id")
        if self.registry is None:
            raise ApiError(503, "registry_unavailable", "اتصال به ثبت احوال برقرار نیست.",
                           headers={"Retry-After": "60"})
        try:
            person = self.registry.lookup(parsed.value)
        except Exception:  # file gone or unreadable, registry service down
            log.exception("civil registry lookup failed")
            raise ApiError(503, "registry_unavailable", "اتصال به ثبت احوال برقرار نیست.",
                           headers={"Retry-After": "60"}) from None
        return {"found": person is not None, "citizen": person}

    # -- case lookup for follow-up calls ----------------------------------------------------
    def lookup_cases(self, principal: Principal, tracking_code: str | None, national_id: str | None) -> dict:
        """Cases by tracking code or national ID, with their citizens and every event of
        those cases, for an agent answering a follow-up call.

        Agents, supervisors and admins see any case of their province; officers and
        managers only their agency's cases."""
        from samad_desk.domain.tracking import parse_tracking_code
        from samad_desk.text.national_id import parse_national_id

        t = db.entities
        op = principal.operator
        conds = [t.c.entity == "case", t.c.deleted.is_(False)]
        with self.engine.connect() as conn:
            citizens: list[dict] = []
            if tracking_code:
                parsed = parse_tracking_code(tracking_code)
                if not parsed.ok:
                    raise bad_request(parsed.error or "کد رهگیری معتبر نیست.", "invalid_tracking_code")
                conds.append(t.c.tracking_code == parsed.value)
            elif national_id:
                parsed = parse_national_id(national_id)
                if not parsed.ok:
                    raise bad_request(parsed.error or "کد ملی معتبر نیست.", "invalid_national_id")
                rows = conn.execute(select(t.c.id, t.c.data, t.c.province).where(and_(
                    t.c.entity == "citizen", t.c.national_id == parsed.value, t.c.deleted.is_(False)))).all()
                ids = [r.id for r in rows]
                # without a visible case, only a citizen of the operator's own province
                citizens = [loads(r.data) for r in rows if r.province == op["province"]]
                conds.append(t.c.citizen_id.in_(ids))
            else:
                raise bad_request("کد رهگیری یا کد ملی لازم است.")
            if is_agency_role(op["role"]):
                conds.append(t.c.agency_id == op["agency_id"])
            else:
                conds.append(t.c.province == op["province"])
            cases = [loads(r.data) for r in conn.execute(select(t.c.data).where(and_(*conds))).all()]
            if not citizens and cases:
                cids = {c.get("citizen_id") for c in cases}
                citizens = [loads(r.data) for r in conn.execute(select(t.c.data).where(and_(
                    t.c.entity == "citizen", t.c.id.in_(cids)))).all()]
            if is_agency_role(op["role"]) and not cases:
                citizens = []
            # each visible case's whole history: the follow-up screen shows it in order
            events = []
            case_ids = [c["id"] for c in cases if c.get("id")]
            if case_ids:
                events = [loads(r.data) for r in conn.execute(select(t.c.data).where(and_(
                    t.c.entity == "event", t.c.case_id.in_(case_ids), t.c.deleted.is_(False)))).all()]
        return {"cases": cases, "citizens": citizens, "events": events}
