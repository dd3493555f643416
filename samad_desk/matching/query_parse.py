"""A query typed into the lookup screen, read into its parts (:func:`parse_query`):
a valid national ID, ten digits failing the checksum, the first digits of an ID or a
mobile, a birth date or year, names (free text, in any order) or fields (a dict)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from samad_desk.matching.record import Name, prep_date, prep_name
from samad_desk.text.digits import to_ascii_digits
from samad_desk.text.national_id import is_valid_national_id
from samad_desk.text.phone import mobile_key

_DIGITS = re.compile(r"[0-9۰-۹٠-٩+][0-9۰-۹٠-٩ \-]*[0-9۰-۹٠-٩]|[0-9۰-۹٠-٩]")
_DATE = re.compile(r"[0-9۰-۹٠-٩]{1,4}\s*[/\-.]\s*[0-9۰-۹٠-٩]{1,2}\s*[/\-.]\s*[0-9۰-۹٠-٩]{1,4}")


@dataclass
class Query:
    nid: str | None = None               # a valid ID
    nid_bad: str | None = None           # 10 digits failing the checksum
    id_prefix: str | None = None         # fewer than 10 digits typed so far
    mob: str | None = None
    mob_prefix: str | None = None
    bd: tuple | None = None              # prep_date result
    year: int | None = None
    names: list[Name] = field(default_factory=list)
    fields: dict[str, Name] = field(default_factory=dict)  # structured query: field → name
    prefix_last: bool = True             # the last name token may be half typed
    city: str = ""


def parse_query(query: str | dict, vocab_count: dict[str, int], by_last: dict[str, list[int]]) -> Query:
    """What was typed, read into its parts: identifiers (or their beginnings), a birth date
    or year, names (free text) or fields (a dict); ``vocab_count`` and ``by_last`` of the
    index decide whether two typed names are one compound name."""
    q = Query()
    if isinstance(query, dict):
        _parse_ids(q, str(query.get("national_id") or ""), as_id=True)
        _parse_ids(q, str(query.get("mobile") or ""), as_mobile=True)
        bd = query.get("birth_date")
        if bd:
            q.bd = prep_date(bd)
            digits = to_ascii_digits(str(bd)).strip()
            if q.bd is None and len(digits) == 4 and digits.isdigit():
                q.year = int(digits)
        for f in ("first_name", "last_name", "father_name"):
            n = prep_name(query.get(f))
            if n is not None:
                q.fields[f] = n
        q.prefix_last = bool(query.get("_typing", True))
        return q
    text = str(query)
    for m in _DATE.finditer(text):
        d = prep_date(m.group(0))
        if d is not None:
            q.bd = d
            text = text.replace(m.group(0), " ")
    for m in _DIGITS.finditer(text):
        tok = to_ascii_digits(m.group(0))
        digits = "".join(ch for ch in tok if ch.isdigit())
        if len(digits) == 4 and (1300 <= int(digits) <= 1410):
            q.year = int(digits)
        else:
            _parse_ids(q, tok)
        text = text.replace(m.group(0), " ")
    for tok in text.split():
        n = prep_name(tok)
        if n is not None:
            q.names.append(n)
    # a compound typed with a space (محمد رضا) is also tried joined
    if len(q.names) >= 2 and not any(n.lat for n in q.names[:2]):
        joined = prep_name(q.names[0].c + q.names[1].c)
        if joined is not None and joined.c in vocab_count and \
                q.names[0].c not in by_last:
            q.names = [joined] + q.names[2:]
    q.prefix_last = not str(query).endswith(" ")
    return q

def _parse_ids(q: Query, tok: str, as_id: bool = False, as_mobile: bool = False) -> None:
    digits = "".join(ch for ch in to_ascii_digits(tok) if ch.isdigit())
    if not digits:
        return
    plus = tok.strip().startswith("+")
    if not as_id:
        mk = mobile_key(tok)
        if mk:
            q.mob = mk
        elif plus or digits.startswith(("09", "98", "9")):
            d = digits
            for p in ("0098", "098", "98", "0"):
                if d.startswith(p) and len(d) > len(p) and d[len(p)] == "9":
                    d = d[len(p):]
                    break
            if d.startswith("9"):
                q.mob_prefix = d
    if as_mobile or plus:
        return
    if len(digits) == 10:
        if is_valid_national_id(digits):
            q.nid = digits
        else:
            q.nid_bad = digits
    elif len(digits) < 10:
        q.id_prefix = digits
