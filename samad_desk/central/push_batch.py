"""What a pushed batch is checked for and what it will read, before its transaction runs:
the body (:func:`check_body`), op versions (:func:`upcast`), whose journal it is
(:func:`journal_device`), and the rows, national IDs and tracking codes to prefetch."""

from __future__ import annotations

from typing import Any

from samad_desk.central.errors import ApiError, bad_request, forbidden
from samad_desk.central.keys import KeyRing
from samad_desk.domain.ids import MAX_OP_ID, is_safe_id
from samad_desk.domain.ops import dict_or_empty

#: current version of each op type's arguments; older versions are upcast
CURRENT_OP_VERSION = 1
#: oldest op version still accepted (below: 426, keep the ops and upgrade the desk)
MIN_OP_VERSION = 1
#: (type, v) -> function returning the op at v + 1
UPCASTERS: dict[tuple[str, int], Any] = {}

MAX_BATCH = 1000
MSG_FOREIGN_JOURNAL = ("این دفتر عملیات از دستگاه دیگری است و همه عملیات آن امضای معتبر نویسنده‌شان را ندارند؛"
                       " چیزی ثبت نشد.")


def check_body(principal: Any, body: Any) -> tuple[str, list[dict]]:
    """The client id and ops of a push body, every op in ``client_seq`` order and of
    one client (400 otherwise; 426 for an op older than ``MIN_OP_VERSION``)."""
    if not isinstance(body, dict):
        raise bad_request("بدنه درخواست باید یک شیء JSON باشد.")
    client_id = body.get("client_id")
    ops = body.get("ops")
    if not isinstance(client_id, str) or not 0 < len(client_id) <= 128:
        raise bad_request("شناسه کلاینت (client_id) لازم است.")
    if not is_safe_id(client_id, 128):  # NUL is an error on PostgreSQL; escapes reach logs
        raise bad_request("شناسه کلاینت (client_id) نامعتبر است.")
    if not isinstance(ops, list) or len(ops) > MAX_BATCH:
        raise bad_request(f"فهرست عملیات (ops) لازم است و حداکثر {MAX_BATCH} عملیات دارد.")
    if body.get("device_id") not in (None, principal.device_id):
        raise forbidden("این درخواست از دستگاهی غیر از دستگاه ورود آمده است.")
    prev = 0
    for op in ops:
        if not isinstance(op, dict):
            raise bad_request("هر عملیات باید یک شیء JSON باشد.")
        if not isinstance(op.get("op_id"), str) or not isinstance(op.get("type"), str):
            raise bad_request("هر عملیات باید op_id و type داشته باشد.")
        if not is_safe_id(op["op_id"], MAX_OP_ID):
            raise bad_request("شناسه عملیات (op_id) معتبر نیست.")
        seq = op.get("client_seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise bad_request("شماره ترتیب عملیات (client_seq) معتبر نیست.")
        if seq <= prev:
            raise bad_request("عملیات باید به ترتیب client_seq فرستاده شوند.")
        prev = seq
        if op.get("client_id") not in (None, client_id):
            raise bad_request("همه عملیات یک دسته باید از یک کلاینت باشند.")
        v = op.get("v", 1)
        if not isinstance(v, int) or v < MIN_OP_VERSION:
            raise ApiError(
                426,
                "upgrade_required",
                "نسخه میز کار قدیمی است؛ عملیات نگه داشته می‌شوند، میز کار را به‌روز کنید.",
                min_op_version=MIN_OP_VERSION,
            )
    return client_id, ops


def upcast(op: dict) -> dict:
    v = int(op.get("v") or 1)
    while v < CURRENT_OP_VERSION:
        step = UPCASTERS.get((op["type"], v))
        if step is None:
            break
        op = step(op)
        v += 1
        op["v"] = v
    return op


def prefetch_keys(ops: list[dict], known: dict) -> list[tuple[str, str]]:
    """The rows a batch will read: its cases and citizens (locked on PostgreSQL, in id
    order), the agencies cases are referred to and the events the reducer looks up to
    recognise an already applied op."""
    from samad_desk.domain.reducer import event_id_for

    keys: list[tuple[str, str]] = []
    for op in ops:
        if op["op_id"] in known:
            continue
        kind = op["type"]
        eid = op.get("entity_id")
        if not is_safe_id(eid):  # the reducer rejects the op; don't send it to the database
            continue
        if kind.startswith("case."):
            keys.append(("case", eid))
        elif kind.startswith("citizen."):
            keys.append(("citizen", eid))
        payload = dict_or_empty(op.get("payload"))
        if kind == "case.register" and is_safe_id(payload.get("citizen_id")):
            keys.append(("citizen", payload["citizen_id"]))
        if kind == "case.refer" and is_safe_id(payload.get("agency_id")):
            keys.append(("agency", payload["agency_id"]))
        keys.append(("event", event_id_for(op["op_id"])))
    return keys


def prefetch_national_ids(ops: list[dict], known: dict) -> dict[str, str]:
    """The national IDs the batch's ``citizen.upsert`` ops will look up, as typed ->
    as the reducer will canonicalize them; a miss only costs a query of its own later."""
    from samad_desk.text.national_id import parse_national_id

    nids = {}
    for op in ops:
        if op["type"] != "citizen.upsert" or op["op_id"] in known:
            continue
        payload = op.get("payload")
        raw = payload.get("national_id") if isinstance(payload, dict) else None
        if isinstance(raw, str) and raw:
            parsed = parse_national_id(raw)
            if parsed.ok and parsed.value:
                nids[raw] = parsed.value
    return nids


def register_codes(ops: list[dict], known: dict) -> list[str]:
    """The tracking codes the batch's ``case.register`` ops will look up (canonical)."""
    from samad_desk.domain.tracking import parse_tracking_code

    codes = []
    for op in ops:
        if op["type"] != "case.register" or op["op_id"] in known:
            continue
        raw = op["payload"].get("tracking_code") if isinstance(op.get("payload"), dict) else None
        parsed = parse_tracking_code(raw) if isinstance(raw, str) else None
        if parsed is not None and parsed.ok and parsed.value:
            codes.append(parsed.value)
    return codes


def claimed_operator(op: dict) -> str | None:
    """The operator id the op claims, when it is a plausible id (recorded with the op)."""
    actor = op.get("actor")
    oid = actor.get("operator_id") if isinstance(actor, dict) else None
    return oid if is_safe_id(oid) else None


def journal_device(principal: Any, crow: Any, ops: list[dict], known: dict, ring: KeyRing) -> str:
    """The device a client's journal belongs to, after checking the pusher may push it.

    A client belongs to the device that first pushed it. A host pushes the journals of
    other operators of its data directory (docs/threat-model.md): such a client belongs
    to the device their author logged in on, and every op of it not yet known must be
    signed by a live key registered from that device, or the whole batch is refused and
    nothing is written (no one can burn another desk's ``client_seq``). A new client is
    another operator's journal when its first op is in another operator's name: it then
    belongs to the device of the key that signed it (and without one, it is refused)."""
    fresh = [op for op in ops if op["op_id"] not in known]
    if crow is not None:
        owner = crow.device_id
    elif fresh and claimed_operator(fresh[0]) not in (None, principal.id):
        first = ring.signer_of(fresh[0])
        if first is None:
            raise forbidden(MSG_FOREIGN_JOURNAL)
        owner = first.device_id
    else:
        owner = principal.device_id
    if owner == principal.device_id:
        return owner
    for op in fresh:
        key = ring.signer_of(op)
        if key is None or key.device_id != owner:
            raise forbidden(MSG_FOREIGN_JOURNAL)
    return owner
