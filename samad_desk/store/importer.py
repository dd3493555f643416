"""``samad-desk import cases|citizens FILE``: validate rows, save good ones through the journal.

Rows come from CSV (header row; English or Persian column names) or JSONL (one object a
line). Every field is checked with ``samad_desk.text`` parsers; a bad row is reported
with its line number and skipped, good rows are saved in batches (one journal record,
one fsync per batch). Citizens are matched by national ID (store + this file) so an
import never creates a second citizen for one کد ملی.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from samad_desk.store.errors import StoreError

ALIASES = {
    "کد ملی": "national_id", "کدملی": "national_id", "نام": "first_name", "نام خانوادگی": "last_name",
    "نام پدر": "father_name", "تاریخ تولد": "birth_date", "شماره همراه": "mobile", "موبایل": "mobile",
    "تلفن همراه": "mobile", "شهر": "city", "سید": "sayyed", "نوع": "type", "نوع پیام": "type",
    "موضوع": "subject", "شرح": "description", "شرح پیام": "description", "دستگاه": "agency_id",
    "فوریت": "urgency", "نحوه دریافت": "channel", "بدون کد ملی": "no_national_id",
}
TRUE = {"1", "true", "yes", "بله", "آری", "y", "x", "✓"}


@dataclass
class ImportReport:
    total: int = 0
    saved: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    citizens_created: int = 0
    citizens_reused: int = 0
    ops: int = 0
    unchecked_agencies: int = 0


def read_rows(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, row or None, error) for each data row of a CSV or JSONL file."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    text = raw.decode("utf-8", errors="replace")
    is_jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or text.lstrip().startswith("{")
    if is_jsonl:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                yield n, None, "سطر JSON معتبر نیست"
                continue
            if not isinstance(obj, dict):
                yield n, None, "هر سطر باید یک شیء JSON باشد"
                continue
            yield n, {_col(k): v for k, v in obj.items()}, None
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_col(h) for h in next(reader)]
    except StopIteration:
        return
    for row in reader:
        n = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(header):
            yield n, None, f"تعداد ستون‌ها ({len(row)}) بیش از سرستون‌ها ({len(header)}) است"
            continue
        yield n, dict(zip(header, row, strict=False)), None


def _col(name: str) -> str:
    key = str(name).strip().strip("\ufeff")
    return ALIASES.get(key, key.lower().replace(" ", "_"))


def _s(row: dict, key: str) -> str:
    v = row.get(key)
    return "" if v is None else str(v).strip()


class Importer:
    def __init__(self, store, actor: dict, *, batch_size: int = 1000,
                 progress: Callable[[ImportReport], None] | None = None) -> None:
        self.store = store
        self.actor = actor
        self.batch_size = batch_size
        self.progress = progress
        self.report = ImportReport()
        self._nid_to_citizen: dict[str, str] = {}
        self._agencies = {a["id"]: a for a in store.agencies()}
        self._agency_by_name = {a.get("name"): a["id"] for a in self._agencies.values()}
        self._now = datetime.now(UTC)

    # --- rows -> ops ---

    def citizen_fields(self, row: dict) -> tuple[dict | None, str | None, list[str]]:
        from samad_desk.text.jalali import parse_jalali_date
        from samad_desk.text.national_id import parse_national_id
        from samad_desk.text.normalize import normalize_line
        from samad_desk.text.phone import parse_mobile

        warnings: list[str] = []
        out: dict = {}
        no_nid = _s(row, "no_national_id").lower() in TRUE
        nid_text = _s(row, "national_id")
        if nid_text or not no_nid:
            p = parse_national_id(nid_text)
            if not p.ok:
                return None, p.error, warnings
            if p.warning:
                warnings.append(p.warning)
            out["national_id"] = p.value
            out["no_national_id"] = False
        else:
            out["national_id"] = None
            out["no_national_id"] = True
        for k in ("first_name", "last_name", "father_name", "city"):
            v = normalize_line(_s(row, k))
            if v:
                out[k] = v
        if not out.get("last_name"):
            return None, "نام خانوادگی: وارد نشده است", warnings
        mob = _s(row, "mobile")
        if mob:
            p = parse_mobile(mob)
            if not p.ok:
                return None, p.error, warnings
            out["mobile"] = p.value
        bd = _s(row, "birth_date")
        if bd:
            if len(bd) == 10 and bd[4] == "-" and bd[:4].isdigit() and int(bd[:4]) > 1700:
                out["birth_date"] = bd
            else:
                p = parse_jalali_date(bd, field="تاریخ تولد", not_future=True)
                if not p.ok:
                    return None, p.error, warnings
                out["birth_date"] = p.value.isoformat()  # type: ignore[union-attr]
        if _s(row, "sayyed"):
            out["sayyed"] = _s(row, "sayyed").lower() in TRUE
        return out, None, warnings

    def _citizen_id_for(self, fields: dict) -> tuple[str | None, bool]:
        nid = fields.get("national_id")
        if not nid:
            return None, False
        cid = self._nid_to_citizen.get(nid)
        if cid:
            return cid, True
        st = self.store
        cid = st.overlay.nid.get(nid) or next(iter(st.cache.lookup("citizen", "nid", nid)), None)
        if cid:
            self._nid_to_citizen[nid] = cid
            return cid, True
        return None, False

    def citizen_ops(self, row: dict) -> tuple[list[dict], str | None, str | None, list[str]]:
        from samad_desk.domain import ops as domain_ops
        from samad_desk.domain.ids import uuid7

        fields, err, warnings = self.citizen_fields(row)
        if err:
            return [], None, err, warnings
        assert fields is not None
        cid, existed = self._citizen_id_for(fields)
        if existed:
            self.report.citizens_reused += 1
            return [], cid, None, warnings
        cid = uuid7()
        if fields.get("national_id"):
            self._nid_to_citizen[fields["national_id"]] = cid
        self.report.citizens_created += 1
        return [domain_ops.citizen_upsert({"id": cid, **fields}, self.actor, now=self._now)], cid, None, warnings

    def case_ops(self, row: dict) -> tuple[list[dict], str | None, list[str]]:
        from samad_desk.domain import ops as domain_ops
        from samad_desk.domain.ids import uuid7
        from samad_desk.domain.models import CaseType, Channel, Urgency
        from samad_desk.text.normalize import normalize, normalize_line

        ctype = CaseType.parse(_s(row, "type"))
        if ctype is None:
            return [], "نوع پیام: نامعتبر است (درخواست، شکایت، انتقاد، پیشنهاد، طرح، گزارش، درخواست بازرسی)", []
        subject = normalize_line(_s(row, "subject"))
        if not subject:
            return [], "موضوع: وارد نشده است", []
        description = normalize(_s(row, "description"))
        if len(description.strip()) < 3:
            return [], "شرح پیام: وارد نشده یا خیلی کوتاه است", []
        urgency = Urgency.parse(_s(row, "urgency") or "normal")
        if urgency is None:
            return [], "فوریت: نامعتبر است", []
        channel = Channel.parse(_s(row, "channel") or "letter")
        if channel is None:
            return [], "نحوه دریافت: نامعتبر است", []
        agency_id = _s(row, "agency_id")
        if agency_id and self._agencies:
            agency_id = agency_id if agency_id in self._agencies else self._agency_by_name.get(agency_id, "")
            if not agency_id:
                return [], f"دستگاه: «{_s(row, 'agency_id')}» شناخته نیست", []
        elif agency_id:
            # never synced: no agency list here yet; the server checks the referral
            self.report.unchecked_agencies += 1
        cops, citizen_id, err, warnings = self.citizen_ops(row)
        if err:
            return [], err, warnings
        case_id = uuid7()
        ops = list(cops)
        ops.append(domain_ops.case_register(
            case_id, tracking_code=self.store.next_tracking_code(), citizen_id=citizen_id,
            type=ctype.value, subject=subject, city=normalize_line(_s(row, "city")),
            description=description, actor=self.actor, urgency=urgency.value, channel=channel.value,
            now=self._now))
        if agency_id:
            ops.append(domain_ops.case_refer(case_id, agency_id, self.actor, now=self._now))
        return ops, None, warnings

    # --- the run ---

    def run(self, path: Path, kind: str) -> ImportReport:
        batch: list[dict] = []
        batch_rows = 0
        for line, row, err in read_rows(path):
            self.report.total += 1
            if err is None and row is not None:
                if kind == "cases":
                    ops, err, warnings = self.case_ops(row)
                else:
                    ops, _cid, err, warnings = self.citizen_ops(row)
                for w in warnings:
                    self.report.warnings.append((line, w))
            if err is not None:
                self.report.errors.append((line, err))
                continue
            batch.extend(ops)
            batch_rows += 1
            if batch_rows >= self.batch_size:
                self._flush(batch, batch_rows)
                batch, batch_rows = [], 0
        self._flush(batch, batch_rows)
        return self.report

    def _flush(self, batch: list[dict], rows: int) -> None:
        if rows:
            if batch:
                self.store.save_bulk(batch)
            self.report.saved += rows
            self.report.ops += len(batch)
        if self.progress is not None:
            self.progress(self.report)


def import_file(store, path: Path, kind: str, actor: dict, **kw) -> ImportReport:
    if kind not in ("cases", "citizens"):
        raise ValueError(kind)
    if not path.is_file():
        raise StoreError(f"فایل «{path}» پیدا نشد.", code="missing")
    return Importer(store, actor, **kw).run(path, kind)
