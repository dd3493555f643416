"""``samad-desk import cases|citizens FILE``: validate rows, save good ones through the journal.

Rows come from CSV (header row; English or Persian column names) or JSONL (one object a
line). Every field is checked with ``samad_desk.text`` parsers; a bad row is reported
with its line number and skipped, good rows are saved in batches (one journal record,
one fsync per batch). Citizens are matched by national ID (store + this file) so an
import never creates a second citizen for one کد ملی.

Imports are idempotent, so a run cut short (a crash, SIGKILL, a full disk) is finished
by running it again. Each row has a stable key: its ``source_id`` column when the file
has one, else a digest of its own cells (so fixing a bad row elsewhere in the file, or
moving rows, changes no other row's key; two identical rows of one file are one row,
the second reported as a repeat). The ids a row creates are derived from its key
(:func:`row_entity_id`), and a row whose case (or, importing citizens, whose citizen)
is already in the store is skipped and counted as ``skipped``: every row is saved
exactly once however often the import runs. A batch is one journal record, so after a
crash each row is either wholly saved or not at all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from samad_desk.domain.fields import NAME_FIELDS, description_problem, name_problem, subject_problem
from samad_desk.domain.reference import subject_by_title
from samad_desk.store.errors import StoreError
from samad_desk.text.digits import fa
from samad_desk.text.normalize import normalize_line

ALIASES = {
    "کد ملی": "national_id", "کدملی": "national_id", "نام": "first_name", "نام خانوادگی": "last_name",
    "نام پدر": "father_name", "تاریخ تولد": "birth_date", "شماره همراه": "mobile", "موبایل": "mobile",
    "تلفن همراه": "mobile", "شهر": "city", "سید": "sayyed", "نوع": "type", "نوع پیام": "type",
    "موضوع": "subject", "شرح": "description", "شرح پیام": "description", "دستگاه": "agency_id",
    "فوریت": "urgency", "نحوه دریافت": "channel", "بدون کد ملی": "no_national_id",
    "شناسه منبع": "source_id", "شناسه مبدأ": "source_id",
}
TRUE = {"1", "true", "yes", "بله", "آری", "y", "x", "✓"}
KNOWN_COLUMNS = frozenset(ALIASES.values()) | {"no_national_id"}
#: the time part of ids derived from a row's key (UUIDv7-shaped; 2020-01-01T00:00Z):
#: a re-run must make the same id, so it cannot be the time of the run
_ROW_ID_MS = 1_577_836_800_000


def row_key(kind: str, row: dict) -> str:
    """The row's stable key: ``src:<source_id>`` when the row has one, else a digest of
    its cells (column name and stripped text, in column order)."""
    source = _s(row, "source_id")
    if source:
        return f"{kind}|src:{source}"
    import hashlib

    cells = orjson.dumps(sorted((k, _s(row, k)) for k in row))
    return f"{kind}|row:{hashlib.sha256(cells).hexdigest()[:32]}"


def row_entity_id(key: str, entity: str) -> str:
    """The id of the ``entity`` (``case``, ``citizen``) that the row ``key`` creates."""
    from samad_desk.domain.ids import uuid7_from_parts

    return uuid7_from_parts(_ROW_ID_MS, f"import|{key}|{entity}".encode())


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
    #: rows an earlier run of this import already saved (skipped, not saved again)
    skipped: int = 0
    #: the line of the last row whose batch is saved (progress: saved up to here)
    saved_upto: int = 0


MSG_NOT_UTF8 = ("نویسه‌های نامعتبر: متن این سطر UTF-8 نیست؛ فایل را با کدگذاری UTF-8 ذخیره کنید"
                " (در اکسل: «CSV UTF-8»)")
DELIMITERS = (",", ";", "\t", "\u060c", "|")  # ، is the Persian comma
SCALARS = (str, int, float, bool, type(None))
MAX_FIELD = 131_072  # the csv module's field limit; the reducer's own limits are far lower


def _bad_utf8(text: str) -> bool:
    """True when a line decoded with ``surrogateescape`` held bytes that are not UTF-8."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _decode(raw: bytes) -> str:
    """The file's text. Bytes that are not UTF-8 survive as lone surrogates (the rows
    holding them are reported); a file that is mostly not UTF-8 (Windows-1256 from Excel,
    a binary file) is refused as a whole."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = raw[: exc.start].count(b"\n") + 1
    text = raw.decode("utf-8", errors="surrogateescape")
    bad = good = 0
    for line in text.splitlines():
        if _bad_utf8(line):
            bad += 1
        elif not line.isascii():
            good += 1
    if bad > good:
        raise StoreError(
            "فایل با کدگذاری UTF-8 ذخیره نشده است (شاید Windows-1256 یا فایلی غیرمتنی)؛ در اکسل"
            f" «CSV UTF-8» را انتخاب کنید. نخستین نویسهٔ نامعتبر در سطر {fa(first_bad)} است.",
            code="not_utf8",
        )
    return text


def read_rows(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, row or None, error) for each data row of a CSV or JSONL file.

    Raises :class:`StoreError` (Persian) for a file that cannot be imported at all:
    empty, not UTF-8, or a CSV whose header names none of the known columns."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise StoreError("فایل خالی است؛ سطری برای ورود ندارد.", code="empty")
    text = _decode(raw)
    is_jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json") or text.lstrip().startswith("{")
    rows = 0
    if is_jsonl:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            rows += 1
            if _bad_utf8(line):
                yield n, None, MSG_NOT_UTF8
                continue
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                yield n, None, "سطر JSON معتبر نیست"
                continue
            if not isinstance(obj, dict):
                yield n, None, "هر سطر باید یک شیء JSON باشد"
                continue
            odd = next((k for k, v in obj.items() if not isinstance(v, SCALARS)), None)
            if odd is not None:
                yield n, None, f"ستون «{normalize_line(str(odd))[:40]}»: باید متن یا عدد باشد"
                continue
            if any(isinstance(v, str) and len(v) > MAX_FIELD for v in obj.values()):
                yield n, None, "ستونی بیش از اندازه بلند است"
                continue
            yield n, {_col(k): v for k, v in obj.items()}, None
        if not rows:
            raise StoreError("فایل خالی است؛ سطری برای ورود ندارد.", code="empty")
        return
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [_col(h) for h in next(reader)]
    except (StopIteration, csv.Error):
        header = []
    if not KNOWN_COLUMNS.intersection(header):
        shown = "، ".join(normalize_line(h)[:30] for h in header[:8]) or "—"
        raise StoreError(
            f"سرستون‌های فایل شناخته نشد ({shown})؛ سطر نخست باید نام ستون‌ها باشد، مانند"
            " national_id یا «کد ملی»، last_name یا «نام خانوادگی»، type، subject، description.",
            code="bad_header",
        )
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows += 1
            what = ("ستونی بیش از اندازه بلند است" if "field larger" in str(exc)
                    else "ساختار سطر CSV خراب است (مثلاً گیومه‌ای بسته نشده)")
            yield reader.line_num, None, what
            continue
        n = reader.line_num
        if not any(c.strip() for c in row):
            continue
        rows += 1
        if any(_bad_utf8(c) for c in row):
            yield n, None, MSG_NOT_UTF8
            continue
        if len(row) > len(header):
            yield n, None, f"تعداد ستون‌ها ({len(row)}) بیش از سرستون‌ها ({len(header)}) است"
            continue
        yield n, dict(zip(header, row, strict=False)), None
    if not rows:
        raise StoreError("فایل خالی است: جز سرستون‌ها سطری ندارد.", code="empty")


def _col(name: str) -> str:
    key = str(name).strip().strip("\ufeff")
    return ALIASES.get(key, key.lower().replace(" ", "_"))


def _s(row: dict, key: str) -> str:
    v = row.get(key)
    return "" if v is None else str(v).strip()


class _RowReader:
    """The reducer's view while importing: the store, plus what this import has saved so
    far (citizens as small stubs, so 100k rows stay cheap) and the current row's ops."""

    def __init__(self, store) -> None:
        self.store = store
        self.citizens: dict[str, tuple[str | None, bool]] = {}  # id -> (national_id, no_national_id)
        self.row: dict[tuple[str, str], dict] = {}

    def get(self, entity: str, id: str) -> dict | None:  # noqa: A002
        doc = self.row.get((entity, id))
        if doc is not None:
            return doc
        if entity == "citizen" and id in self.citizens:
            nid, no_nid = self.citizens[id]
            return {"id": id, "national_id": nid, "no_national_id": no_nid, "merged_into": None, "version": 1}
        if entity == "event":  # this import's op ids are new: never applied before
            return None
        return self.store.get(entity, id)

    def citizen_by_national_id(self, nid: str) -> dict | None:
        for doc in self.row.values():
            if doc.get("national_id") == nid and "tracking_code" not in doc:
                return doc
        return self.store.citizen_by_national_id(nid)

    def case_by_tracking_code(self, code: str) -> dict | None:
        return None  # codes come from store.next_tracking_code(): unique per desk

    def agency(self, id: str) -> dict | None:  # noqa: A002
        return self.get("agency", id)


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
        self._reader = _RowReader(store)
        self._seen_rows: dict[str, int] = {}

    def check_ops(self, ops: list[dict]) -> str | None:
        """Run a row's ops through the shared reducer (the rules the desk and the server
        apply): None when every op applies, else the Persian reason. Without this a row the
        importer accepted could be rejected later, far from the file and its line number."""
        from samad_desk.domain.reducer import apply_op

        reader = self._reader
        reader.row = {}
        try:
            for op in ops:
                if op["type"] == "case.refer" and not self._agencies:
                    continue  # never synced: the agency is checked by the server (reported)
                out = apply_op(op, reader, now=self._now, calendar=self.store.overlay.calendar)
                if not out.ok:
                    return out.message or "این سطر پذیرفته نشد"
                for ch in out.changes:
                    if ch.op == "put" and ch.entity in ("citizen", "case") and ch.data is not None:
                        reader.row[(ch.entity, ch.id)] = ch.data
            for (entity, id_), doc in reader.row.items():
                if entity == "citizen":
                    reader.citizens[id_] = (doc.get("national_id"), bool(doc.get("no_national_id")))
            return None
        finally:
            reader.row = {}

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
        for k in NAME_FIELDS:
            problem = name_problem(out.get(k, ""), k, required=False)
            if problem:
                return None, problem, warnings
        mob = _s(row, "mobile")
        if mob:
            mobile = parse_mobile(mob)
            if not mobile.ok:
                return None, mobile.error, warnings
            out["mobile"] = mobile.value
        bd = _s(row, "birth_date")
        if bd:
            if len(bd) == 10 and bd[4] == "-" and bd[:4].isdigit() and int(bd[:4]) > 1700:
                out["birth_date"] = bd
            else:
                born = parse_jalali_date(bd, field="تاریخ تولد", not_future=True)
                if not born.ok or born.value is None:
                    return None, born.error, warnings
                out["birth_date"] = born.value.isoformat()
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

    def citizen_ops(self, row: dict, key: str) -> tuple[list[dict], str | None, str | None, list[str]]:
        from samad_desk.domain import ops as domain_ops

        fields, err, warnings = self.citizen_fields(row)
        if err:
            return [], None, err, warnings
        assert fields is not None
        cid, existed = self._citizen_id_for(fields)
        if existed:
            self.report.citizens_reused += 1
            return [], cid, None, warnings
        cid = row_entity_id(key, "citizen")
        if fields.get("national_id"):
            self._nid_to_citizen[fields["national_id"]] = cid
        self.report.citizens_created += 1
        return [domain_ops.citizen_upsert({"id": cid, **fields}, self.actor, now=self._now)], cid, None, warnings

    def case_ops(self, row: dict, key: str) -> tuple[list[dict], str | None, list[str]]:
        from samad_desk.domain import ops as domain_ops
        from samad_desk.domain.models import CaseType, Channel, Urgency
        from samad_desk.text.normalize import normalize, normalize_line

        ctype = CaseType.parse(_s(row, "type"))
        if ctype is None:
            return [], "نوع پیام: نامعتبر است (درخواست، شکایت، انتقاد، پیشنهاد، طرح، گزارش، درخواست بازرسی)", []
        subject = normalize_line(_s(row, "subject"))
        if not subject:
            return [], "موضوع: وارد نشده است", []
        subject = subject_by_title().get(subject, subject)  # a leaf's Persian title or its key
        problem = subject_problem(subject)
        if problem:
            return [], f"{problem} («{subject[:40]}» در درخت موضوع‌ها نیست)", []
        description = normalize(_s(row, "description"))
        problem = description_problem(description.strip())
        if problem:
            return [], problem, []
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
        cops, citizen_id, err, warnings = self.citizen_ops(row, key)
        if err:
            return [], err, warnings
        assert citizen_id is not None  # citizen_ops names the citizen whenever it gives no error
        case_id = row_entity_id(key, "case")
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
        line = 0
        for line, row, err in read_rows(path):
            self.report.total += 1
            key = ""
            if err is None and row is not None:
                key = row_key(kind, row)
                first = self._seen_rows.setdefault(key, line)
                if first != line:
                    err = f"تکرار سطر {fa(first)} است (یک بار ثبت می‌شود)"
                elif self._already_saved(kind, key):
                    self.report.skipped += 1
                    continue
            if err is None and row is not None:
                created = self.report.citizens_created
                if kind == "cases":
                    ops, err, warnings = self.case_ops(row, key)
                else:
                    ops, _cid, err, warnings = self.citizen_ops(row, key)
                if err is None and ops:
                    err = self.check_ops(ops)
                    if err is not None and self.report.citizens_created > created:
                        self.report.citizens_created = created  # the row's new citizen is not saved
                        nid = (ops[0].get("payload") or {}).get("national_id")
                        if ops[0]["type"] == "citizen.upsert" and nid:
                            self._nid_to_citizen.pop(nid, None)
                for w in warnings:
                    self.report.warnings.append((line, w))
            if err is not None:
                self.report.errors.append((line, err))
                continue
            batch.extend(ops)
            batch_rows += 1
            if batch_rows >= self.batch_size:
                self._flush(batch, batch_rows, line)
                batch, batch_rows = [], 0
        self._flush(batch, batch_rows, line)
        return self.report

    def _already_saved(self, kind: str, key: str) -> bool:
        """Did an earlier run save this row? Its case (or citizen) is in the store, saved
        under the id derived from the key; a batch is all or nothing, so the rest of the
        row is there too."""
        entity = "case" if kind == "cases" else "citizen"
        return self.store.get(entity, row_entity_id(key, entity)) is not None

    def _flush(self, batch: list[dict], rows: int, line: int) -> None:
        if rows:
            if batch:
                try:
                    self.store.save_bulk(batch)
                except StoreError as exc:
                    # one batch is one journal record: all of it or none of it was saved
                    done = (f"{fa(self.report.saved)} سطر (تا سطر {fa(self.report.saved_upto)}) ثبت شده است"
                            if self.report.saved else "هیچ سطری ثبت نشد")
                    raise StoreError(f"{exc} ورود گروهی متوقف شد: {done}؛ سطرهای بعدی ثبت نشد. پس از رفع"
                                     " مشکل همین فرمان را دوباره اجرا کنید: سطرهای ثبت‌شده دوباره ثبت نمی‌شوند.",
                                     code=exc.code, detail=exc.detail) from exc
            self.report.saved += rows
            self.report.ops += len(batch)
            self.report.saved_upto = line
        if self.progress is not None:
            self.progress(self.report)


def import_file(store, path: Path, kind: str, actor: dict, **kw) -> ImportReport:
    if kind not in ("cases", "citizens"):
        raise ValueError(kind)
    if not path.is_file():
        raise StoreError(f"فایل «{path}» پیدا نشد.", code="missing")
    return Importer(store, actor, **kw).run(path, kind)
