"""Merging and unmerging duplicate citizens, and the "possible duplicates" queue (issue 6.3).

Plain Python (no Textual): the merge screens call it from workers.

- A merge is one ``citizen.merge {survivor_id, merged_ids, fields}`` op built with
  :mod:`samad_desk.domain.ops`, checked with the shared reducer against what this desk
  sees, then saved to the journal like any other op and pushed by the sync engine. The
  reducer marks the other profiles ``merged_into`` the survivor and records the previous
  values in the ``citizen.merge`` event, so ``citizen.unmerge {merge_op_id}`` can restore
  them.
- **Cases are never rewritten.** A case keeps the ``citizen_id`` it was registered with;
  the survivor's profile shows its own cases *and* those of every profile merged into it
  (:meth:`MergeService.cases_of`). An unmerge therefore needs no case ops: the cases are
  back on their own profile as soon as the redirect is gone.
- Only a supervisor or an admin may merge or unmerge (the reducer also lets 111 agents do
  it; the desk is stricter, issue 6: "a supervisor merges").
- A pair a supervisor has judged to be two different people (``citizen.distinct``, an
  event only) leaves the queue on every desk; a larger cluster stays (merge or not).
- The duplicates queue runs the matching engine's batch de-duplication
  (:func:`samad_desk.matching.dedupe.dedupe`) over the store's active citizens: clusters
  above the upper cut-off ("same person"), then review-band pairs, each with the Persian
  reasons the engine gives. Pairs the engine strongly vetoes (two different, well-known
  given names, birth dates far apart: siblings, twins) are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from samad_desk.domain import ops as domain_ops
from samad_desk.domain.fields import FIELD_LABELS
from samad_desk.domain.models import Role
from samad_desk.domain.permissions import may_merge
from samad_desk.domain.reducer import event_id_for
from samad_desk.services.commit import REFUSED, refusal
from samad_desk.services.core import ServiceBase
from samad_desk.services.errors import ServiceError
from samad_desk.text.digits import fa

REFUSAL = "ادغام و لغو ادغام پروفایل شهروندان فقط با ناظر یا مدیر سامانه است؛ نقش شما «{role}» است."

#: the fields chosen one by one on the merge screen, in screen order, with Persian labels
MERGE_FIELDS: tuple[tuple[str, str], ...] = tuple(
    (name, FIELD_LABELS[name])
    for name in ("national_id", "first_name", "last_name", "father_name", "birth_date", "mobile",
                 "city", "phone", "address", "postal_code", "sayyed")
)

BAND_LABELS = {"match": "همان شهروند", "review": "نیازمند بررسی"}



def citizen_title(citizen: dict[str, Any]) -> str:
    name = f"{citizen.get('first_name') or ''} {citizen.get('last_name') or ''}".strip() or "بی‌نام"
    nid = citizen.get("national_id")
    return f"{name} ({fa(nid)})" if nid else name


@dataclass
class MergeRecord:
    """One merge as the history list shows it (from the synced event or a pending op)."""

    op_id: str
    survivor_id: str
    merged_ids: list[str]
    at: str
    actor_name: str
    changed: dict[str, Any] = field(default_factory=dict)
    pending: bool = False  # still only in this desk's journal
    undone: bool = False  # an unmerge of it exists (synced or pending)
    undo_pending: bool = False


@dataclass
class DuplicateGroup:
    """A cluster (``band == "match"``) or a review pair from the matching engine."""

    citizens: list[dict[str, Any]]
    band: str  # "match" | "review"
    score: float
    reasons: list[str]

    @property
    def ids(self) -> list[str]:
        return [str(c["id"]) for c in self.citizens]

    @property
    def band_label(self) -> str:
        return BAND_LABELS.get(self.band, self.band)


def _record_of(ev: dict[str, Any]) -> MergeRecord:
    data = ev.get("data") or {}
    return MergeRecord(
        op_id=str(ev.get("op_id")),
        survivor_id=str(data.get("survivor_id")),
        merged_ids=[str(m) for m in data.get("merged_ids") or []],
        at=str(ev.get("at") or ""),
        actor_name=str((ev.get("actor") or {}).get("name") or ""),
        changed=dict(data.get("changed") or {}),
    )


class MergeService(ServiceBase):
    """Merge, unmerge, history and the duplicates queue for one operator on one store."""

    def refusal(self) -> str | None:
        """``None`` when this operator may merge, else the Persian reason."""
        role = str(self.operator.get("role") or "")
        if may_merge(role):
            return None
        return REFUSAL.format(role=Role.label_of(role))

    def check_role(self) -> None:
        reason = self.refusal()
        if reason:
            raise ServiceError(reason)

    # -- loading the profiles to merge
    def active_profiles(self, citizen_ids: Iterable[str]) -> list[dict[str, Any]]:
        """The profiles among ``citizen_ids`` that exist and are not merged away, in order
        (the merge pick dialog's list)."""
        docs = (self.store.get("citizen", cid) for cid in citizen_ids)
        return [doc for doc in docs if doc is not None and not doc.get("merged_into")]

    def load(self, citizen_ids: Iterable[str]) -> list[dict[str, Any]]:
        """The active profiles behind ``citizen_ids`` (a merged one counts as its survivor),
        in the given order, without repeats. Needs at least two."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for cid in citizen_ids:
            doc = self.store.get("citizen", cid)
            hops = 0
            while doc is not None and doc.get("merged_into") and hops < 10:
                doc = self.store.get("citizen", doc["merged_into"])
                hops += 1
            if doc is None or doc.get("merged_into") or doc["id"] in seen:
                continue
            seen.add(doc["id"])
            out.append(doc)
        if len(out) < 2:
            raise ServiceError("برای ادغام دست‌کم دو پروفایل جدا از هم لازم است.")
        return out

    @staticmethod
    def default_choices(citizens: list[dict[str, Any]], survivor: int = 0) -> dict[str, int]:
        """Per field, the index of the profile whose value is kept: the survivor's unless it
        is empty, then the first profile that has one."""
        choices = {}
        for name, _label in MERGE_FIELDS:
            pick = survivor
            if citizens[survivor].get(name) in (None, "", False):
                for i, c in enumerate(citizens):
                    if c.get(name) not in (None, "", False):
                        pick = i
                        break
            choices[name] = pick
        return choices

    @staticmethod
    def chosen_fields(citizens: list[dict[str, Any]], choices: dict[str, int]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, _label in MERGE_FIELDS:
            value = citizens[choices.get(name, 0)].get(name)
            if name == "national_id":
                fields["national_id"] = value or None
                fields["no_national_id"] = not value and bool(
                    citizens[choices.get(name, 0)].get("no_national_id"))
            elif name == "sayyed":
                fields[name] = bool(value)
            else:
                fields[name] = value
        return fields

    # -- merge and unmerge
    def build_merge(self, survivor_id: str, merged_ids: list[str], fields: dict[str, Any]) -> dict[str, Any]:
        """The ``citizen.merge`` op, checked with the shared reducer; raises ServiceError."""
        self.check_role()
        if not merged_ids or survivor_id in merged_ids:
            raise ServiceError("پروفایل اصلی و پروفایل‌های ادغام‌شونده باید جدا باشند.")
        op = domain_ops.citizen_merge(survivor_id, list(merged_ids), dict(fields), self.actor, now=self.now())
        self._check(op)
        return op

    def merge(self, survivor_id: str, merged_ids: list[str], fields: dict[str, Any]) -> dict[str, Any]:
        """Save the merge to the journal (fsynced) and wake sync; returns the saved op."""
        return self._save(self.build_merge(survivor_id, merged_ids, fields))

    def build_unmerge(self, merge_op_id: str) -> dict[str, Any]:
        self.check_role()
        merge_event = self.store.get("event", event_id_for(merge_op_id))
        survivor = str(((merge_event or {}).get("data") or {}).get("survivor_id") or "")
        record = next((r for r in self.history(survivor) if r.op_id == merge_op_id), None) if survivor else None
        if record is None:
            raise ServiceError("این ادغام در این میز پیدا نشد.")
        if record.undone:
            raise ServiceError("این ادغام پیش‌تر لغو شده است.")
        for mid in record.merged_ids:
            doc = self.store.get("citizen", mid)
            if doc is None or doc.get("merged_into") != record.survivor_id:
                raise ServiceError("پروفایل‌های این ادغام از آن پس تغییر کرده‌اند و نمی‌توان آن را لغو کرد.")
        op = domain_ops.citizen_unmerge(record.survivor_id, merge_op_id, self.actor, now=self.now())
        if not record.pending:
            # the merge event is in the cache: the reducer can check the unmerge fully
            self._check(op)
        return op

    def unmerge(self, merge_op_id: str) -> dict[str, Any]:
        return self._save(self.build_unmerge(merge_op_id))

    def distinct_refusal(self, citizen_ids: list[str]) -> str | None:
        """``None`` when this operator may declare these profiles two different people."""
        reason = self.refusal()
        if reason:
            return reason
        if len(set(citizen_ids)) != 2:
            return "«تکراری نیست» برای یک جفت پروفایل است؛ گروه‌های بزرگ‌تر را با ادغام بررسی کنید."
        return None

    def distinct(self, citizen_ids: list[str], note: str = "") -> dict[str, Any]:
        """Record that two profiles the engine paired are different people (supervisor or
        admin): the duplicates queue leaves the pair out from then on, on every desk."""
        self.check_role()
        reason = self.distinct_refusal(citizen_ids)
        if reason:
            raise ServiceError(reason)
        op = domain_ops.citizen_distinct(list(citizen_ids), self.actor, note=note, now=self.now())
        self._check(op)
        return self._save(op)

    def distinct_pairs(self) -> set[frozenset[str]]:
        """The pairs declared different people (synced and pending)."""
        out = set()
        for ev in self.store.citizen_events_of_kind("citizen.distinct"):
            ids = (ev.get("data") or {}).get("distinct_ids") or []
            if len(ids) == 2:
                out.add(frozenset(str(i) for i in ids))
        return out

    def _check(self, op: dict[str, Any]) -> None:
        reason = refusal(self.session, [op])
        if reason is not None:
            raise ServiceError(reason if reason != REFUSED else "ادغام پذیرفته نشد.")

    def _save(self, op: dict[str, Any]) -> dict[str, Any]:
        # every op here was dry-run by ``_check`` just before, except an unmerge of a merge
        # still pending in this journal, which the reducer cannot judge locally
        return self.commit([op], refused="ادغام پذیرفته نشد.", dry_run=False)[0]

    # -- history
    def history(self, citizen_id: str | None = None) -> list[MergeRecord]:
        """The merges ``citizen_id`` took part in (as survivor or merged profile), or every
        merge this desk knows, synced and this desk's pending ones, newest first: index
        lookups in the store (:meth:`samad_desk.store.Store.events_of_citizen`,
        :meth:`~samad_desk.store.Store.citizen_events_of_kind`), never a scan."""
        merges: dict[str, MergeRecord] = {}
        undone: dict[str, bool] = {}  # merge op id -> every unmerge of it still pending
        if citizen_id is None:
            events = [*self.store.citizen_events_of_kind("citizen.merge"),
                      *self.store.citizen_events_of_kind("citizen.unmerge")]
        else:
            events = self.store.events_of_citizen(citizen_id)
        for ev in events:
            if ev.get("kind") == "citizen.merge":
                rec = _record_of(ev)
                rec.pending = bool(ev.get("pending"))
                merges[rec.op_id] = rec
            elif ev.get("kind") == "citizen.unmerge":
                key = str((ev.get("data") or {}).get("merge_op_id"))
                undone[key] = undone.get(key, True) and bool(ev.get("pending"))
        for op_id, pending in undone.items():
            merged = merges.get(op_id)
            if merged is not None:
                merged.undone, merged.undo_pending = True, pending
        return sorted(merges.values(), key=lambda r: (r.at, r.op_id), reverse=True)

    def aliases(self, survivor_id: str) -> list[str]:
        """Ids of the profiles merged (directly or through another merge) into ``survivor_id``."""
        out: list[str] = []
        stack = [survivor_id]
        seen = {survivor_id}
        while stack:
            sid = stack.pop()
            for rec in self.history(sid):
                if rec.survivor_id != sid or rec.undone:
                    continue
                for mid in rec.merged_ids:
                    if mid in seen:
                        continue
                    doc = self.store.get("citizen", mid)
                    if doc is not None and doc.get("merged_into") == sid:
                        seen.add(mid)
                        out.append(mid)
                        stack.append(mid)
        return out

    def cases_of(self, citizen_id: str) -> list[dict[str, Any]]:
        """The profile's own cases and those of every profile merged into it, newest first."""
        cases = {c["id"]: c for c in self.store.cases_of_citizen(citizen_id)}
        for alias in self.aliases(citizen_id):
            for c in self.store.cases_of_citizen(alias):
                cases.setdefault(c["id"], c)
        return sorted(cases.values(), key=lambda c: str(c.get("registered_at") or ""), reverse=True)

    # -- the duplicates queue
    def duplicates(self, limit: int = 200) -> list[DuplicateGroup]:
        """Possible duplicates among the active citizens, strongest first."""
        from samad_desk.matching.dedupe import dedupe
        from samad_desk.matching.model import TermFreq, reasons, score_pair
        from samad_desk.matching.record import Rec

        citizens = [c for c in self.store.iter_entities("citizen") if not c.get("merged_into")]
        if len(citizens) < 2:
            return []
        records = [{**c, "record_id": str(c["id"])} for c in citizens]
        result = dedupe(records, workers=1)
        recs = [Rec(i, raw) for i, raw in enumerate(records)]
        tf = TermFreq()
        for r in recs:
            tf.add(r)
        groups: list[DuplicateGroup] = []
        best: dict[int, tuple[float, int, int]] = {}
        for a, b, s in result.merges:
            c = result.cluster_of[a]
            if c not in best or s > best[c][0]:
                best[c] = (s, a, b)
        for c, members in result.clusters().items():
            if len(members) < 2:
                continue
            s, a, b = best.get(c, (0.0, members[0], members[1]))
            groups.append(DuplicateGroup([citizens[i] for i in members], "match", s, reasons(recs[a], recs[b])))
        seen: set[tuple[int, int]] = set()
        for a, b, _s in result.review:
            a, b = min(a, b), max(a, b)
            if (a, b) in seen or result.cluster_of[a] == result.cluster_of[b]:
                continue
            seen.add((a, b))
            s, veto = score_pair(recs[a], recs[b], tf)
            if veto == 2:  # the engine's "different people" (siblings, twins, father and son)
                continue
            groups.append(DuplicateGroup([citizens[a], citizens[b]], "review", s, reasons(recs[a], recs[b])))
        decided = self.distinct_pairs()
        groups = [g for g in groups if len(g.citizens) != 2 or frozenset(g.ids) not in decided]
        groups.sort(key=lambda g: (g.band != "match", -g.score))
        return groups[:limit]


