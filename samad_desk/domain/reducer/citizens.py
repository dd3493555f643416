"""The citizen ops: ``citizen.upsert`` (create, edit, or fold into the profile holding the
national ID), ``citizen.merge``, ``citizen.unmerge`` and ``citizen.distinct``."""

from __future__ import annotations

from typing import Any

from samad_desk.domain.fields import MAX_SUBJECT
from samad_desk.domain.ids import MAX_OP_ID, is_safe_id
from samad_desk.domain.models import CITIZEN_EDITABLE, new_citizen
from samad_desk.domain.permissions import CITIZEN_ROLES, MERGE_ROLES
from samad_desk.domain.reducer.context import OpContext, bump, resolve_citizen
from samad_desk.domain.reducer.outcome import Outcome, Rejected, event_id_for
from samad_desk.domain.reducer.values import (
    citizen_fields,
    clean_base,
    empty_value,
    same_value,
    single_line,
)
from samad_desk.text.digits import fa


def citizen_upsert(ctx: OpContext) -> Outcome:
    if ctx.role not in CITIZEN_ROLES:
        raise Rejected("forbidden", "ثبت و ویرایش مشخصات شهروند با اپراتور ۱۱۱ است.")
    cid = ctx.op["entity_id"]
    payload = ctx.payload
    own = ctx.reader.get("citizen", cid)
    target = resolve_citizen(ctx.reader, cid) if own is not None else None
    values = citizen_fields(ctx, payload, creating=target is None)
    nid = values.get("national_id")
    by_nid = ctx.reader.citizen_by_national_id(nid) if nid else None
    if by_nid is not None and by_nid.get("merged_into"):
        by_nid = resolve_citizen(ctx.reader, by_nid["id"])

    if target is None and by_nid is None:
        doc = new_citizen(id=cid, created_at=ctx.now_iso, version=1, **values)
        ctx.put("citizen", doc)
        ctx.event("citizen.upsert", None, {"citizen_id": cid, "created": True, "fields": values})
        return ctx.done()

    if target is None:
        # national ID is the natural key: fold into the existing citizen, never duplicate
        server = by_nid
        assert server is not None
        new = bump(server)
        filled: dict[str, Any] = {}
        conflicts: dict[str, dict] = {}
        for key, value in values.items():
            cur = server.get(key)
            if same_value(key, cur, value) or empty_value(value):
                continue
            if empty_value(cur):
                new[key] = value
                filled[key] = value
            else:
                conflicts[key] = {"kept": cur, "incoming": value}
        if new.get("national_id") and new.get("no_national_id"):
            # an ID filled into a profile flagged "no national ID": a profile with an ID is never flagged
            new["no_national_id"] = filled["no_national_id"] = False
        if filled:
            ctx.put("citizen", new)
        alias = new_citizen(id=cid, created_at=ctx.now_iso, version=1, merged_into=server["id"],
                            **{k: v for k, v in values.items() if k != "national_id"})
        alias["national_id"] = None
        ctx.put("citizen", alias)
        ctx.event("citizen.upsert", None, {
            "citizen_id": server["id"], "alias_id": cid, "natural_key": nid,
            "filled": filled, "conflicts": conflicts, "review": bool(conflicts),
        })
        return ctx.done()

    # an edit of an existing citizen (possibly through a merged alias)
    if nid and by_nid is not None and by_nid["id"] != target["id"]:
        raise Rejected(
            "conflict",
            f"کد ملی {fa(nid)} متعلق به شهروند دیگری ({by_nid.get('first_name', '')} "
            f"{by_nid.get('last_name', '')}) است؛ اگر هر دو یک نفرند، پروفایل‌ها را ادغام کنید.",
            by_nid,
        )
    base = clean_base(payload.get("base"))
    new = bump(target)
    applied: dict[str, Any] = {}
    conflicts = {}
    for key, value in values.items():
        cur = target.get(key)
        if same_value(key, cur, value):
            continue
        if key in base and not same_value(key, cur, base[key]):
            conflicts[key] = {"kept": cur, "incoming": value, "base": base[key]}
            continue
        new[key] = value
        applied[key] = value
    if new.get("national_id"):
        new["no_national_id"] = False
        if applied.get("no_national_id"):  # the flag ticked while the ID stays: not applied
            del applied["no_national_id"]
    elif not new.get("no_national_id"):
        raise Rejected(
            "invalid_payload",
            "کد ملی را نمی‌توان پاک کرد مگر آنکه گزینه «بدون کد ملی» زده شود.",
            target,
        )
    concurrent = ctx.op.get("base_version") not in (None, target.get("version"))
    if applied:
        ctx.put("citizen", new)
    ctx.event("citizen.upsert", None, {
        "citizen_id": target["id"], "alias_id": cid if cid != target["id"] else None,
        "changed": applied, "previous": {k: target.get(k) for k in applied},
        "conflicts": conflicts, "review": bool(conflicts),
    }, concurrent=concurrent)
    return ctx.done()


def _active_citizens(ctx: OpContext, ids: list[str], missing: str, merged: str) -> list[dict]:
    """The profiles ``ids``, each existing and not merged into another (else Rejected
    with the given Persian reasons)."""
    out = []
    for cid in ids:
        doc = ctx.reader.get("citizen", cid)
        if doc is None:
            raise Rejected("not_found", missing)
        if doc.get("merged_into"):
            raise Rejected("invalid_transition", merged, doc)
        out.append(doc)
    return out


def citizen_merge(ctx: OpContext) -> Outcome:
    if ctx.role not in MERGE_ROLES:
        raise Rejected("forbidden", "ادغام پروفایل شهروندان فقط با ناظر یا مدیر سامانه است.")
    p = ctx.payload
    survivor_id = p.get("survivor_id") or ctx.op["entity_id"]
    merged_ids = p.get("merged_ids")
    if not is_safe_id(survivor_id):
        raise Rejected("invalid_payload", "پروفایل اصلی شهروند مشخص نشده است.")
    if not isinstance(merged_ids, list) or not merged_ids or not all(is_safe_id(m) for m in merged_ids):
        raise Rejected("invalid_payload", "پروفایل‌هایی که باید ادغام شوند مشخص نشده است.")
    if survivor_id in merged_ids or len(set(merged_ids)) != len(merged_ids):
        raise Rejected("invalid_payload", "یک پروفایل نمی‌تواند در خودش ادغام شود.")
    survivor = ctx.reader.get("citizen", survivor_id)
    if survivor is None:
        raise Rejected("not_found", "پروفایل اصلی شهروند پیدا نشد.")
    if survivor.get("merged_into"):
        raise Rejected("invalid_transition", "پروفایل اصلی خودش در پروفایل دیگری ادغام شده است.", survivor)
    merged = _active_citizens(ctx, merged_ids, "یکی از پروفایل‌هایی که باید ادغام شوند پیدا نشد.",
                              "این پروفایل پیش‌تر در پروفایل دیگری ادغام شده است.")
    fields_in = p.get("fields") or {}
    if not isinstance(fields_in, dict):
        raise Rejected("invalid_payload", "مشخصات پروفایل ادغام‌شده نامعتبر است.")
    fields_in = {k: v for k, v in fields_in.items() if k in CITIZEN_EDITABLE}
    values = citizen_fields(ctx, fields_in, creating=False)
    merged_nids = {m.get("national_id") for m in merged}
    nid = values.get("national_id")
    if nid:
        other = ctx.reader.citizen_by_national_id(nid)
        if other is not None and other["id"] != survivor_id and other["id"] not in merged_ids:
            raise Rejected("conflict", f"کد ملی {fa(nid)} متعلق به شهروند دیگری است.", other)
    new_s = bump(survivor)
    changed = {}
    for key, value in values.items():
        if not same_value(key, survivor.get(key), value):
            new_s[key] = value
            changed[key] = value
    carried = sorted(n for n in merged_nids if n)
    if not new_s.get("national_id") and len(carried) == 1:
        # the survivor takes over the one national ID of the merged profiles
        new_s["national_id"] = changed["national_id"] = carried[0]
        new_s["no_national_id"] = changed["no_national_id"] = False
    ctx.put("citizen", new_s)
    previous = {survivor_id: {k: survivor.get(k) for k in CITIZEN_EDITABLE}}
    for doc in merged:
        previous[doc["id"]] = {k: doc.get(k) for k in (*CITIZEN_EDITABLE, "merged_into")}
        new_m = bump(doc)
        new_m["merged_into"] = survivor_id
        new_m["national_id"] = None  # one national ID, one active profile
        ctx.put("citizen", new_m)
    ctx.event("citizen.merge", None, {
        "citizen_id": survivor_id, "survivor_id": survivor_id, "merged_ids": list(merged_ids),
        "changed": changed, "previous": previous,
        "national_ids": sorted(n for n in merged_nids if n),
    })
    return ctx.done()


def citizen_unmerge(ctx: OpContext) -> Outcome:
    if ctx.role not in MERGE_ROLES:
        raise Rejected("forbidden", "لغو ادغام پروفایل شهروندان فقط با ناظر یا مدیر سامانه است.")
    merge_op_id = ctx.payload.get("merge_op_id")
    if not is_safe_id(merge_op_id, MAX_OP_ID):
        raise Rejected("invalid_payload", "ادغامی که باید لغو شود مشخص نشده است.")
    merge_ev = ctx.reader.get("event", event_id_for(merge_op_id))
    if merge_ev is None or merge_ev.get("kind") != "citizen.merge":
        raise Rejected("not_found", "رویداد ادغام پیدا نشد.")
    data = merge_ev.get("data") or {}
    survivor_id = data.get("survivor_id")
    survivor = ctx.reader.get("citizen", survivor_id) if survivor_id else None
    if survivor is None:
        raise Rejected("not_found", "پروفایل اصلی شهروند پیدا نشد.")
    previous = data.get("previous") or {}
    restored = []
    for mid in data.get("merged_ids") or []:
        doc = ctx.reader.get("citizen", mid)
        if doc is None or doc.get("merged_into") != survivor_id:
            raise Rejected("invalid_transition", "این ادغام پیش‌تر لغو شده یا پروفایل‌ها تغییر کرده‌اند.", doc)
        restored.append(doc)
    new_s = bump(survivor)
    reverted = {}
    for key, value in (data.get("changed") or {}).items():
        if same_value(key, survivor.get(key), value):  # untouched since the merge
            old = (previous.get(survivor_id) or {}).get(key)
            new_s[key] = old
            reverted[key] = old
    ctx.put("citizen", new_s)
    for doc in restored:
        new_m = bump(doc)
        prev = previous.get(doc["id"]) or {}
        new_m["merged_into"] = prev.get("merged_into")
        new_m["national_id"] = prev.get("national_id")
        ctx.put("citizen", new_m)
    ctx.event("citizen.unmerge", None, {
        "citizen_id": survivor_id, "merge_op_id": merge_op_id,
        "restored_ids": [d["id"] for d in restored], "reverted": reverted,
    })
    return ctx.done()


def citizen_distinct(ctx: OpContext) -> Outcome:
    """Two profiles the matching engine paired are different people: an event only (no
    profile changes); the duplicates queue leaves the pair out from then on."""
    if ctx.role not in MERGE_ROLES:
        raise Rejected("forbidden", "تصمیم «تکراری نیست» فقط با ناظر یا مدیر سامانه است.")
    ids = ctx.payload.get("citizen_ids")
    if (not isinstance(ids, list) or len(ids) != 2 or not all(is_safe_id(i) for i in ids)
            or ids[0] == ids[1] or ctx.op["entity_id"] != ids[0]):
        raise Rejected("invalid_payload", "دو پروفایل جدا از هم لازم است.")
    _active_citizens(ctx, ids, "یکی از دو پروفایل پیدا نشد.",
                     "یکی از دو پروفایل در پروفایل دیگری ادغام شده است.")
    note = single_line(ctx.payload, "note", "یادداشت", required=False, max_len=MAX_SUBJECT)
    ctx.event("citizen.distinct", None, {"citizen_id": ids[0], "distinct_ids": list(ids), "note": note})
    return ctx.done()

