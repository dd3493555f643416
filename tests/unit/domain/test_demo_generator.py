"""The demo data generator: deterministic, valid, realistic enough, streaming."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest

from samad_desk.demo import (
    DEFAULT_NOW,
    citizen_id,
    demo_operators,
    generate,
    qazvin_agencies,
    qazvin_cities,
    subject_label,
    subject_tree,
    write_dataset,
)
from samad_desk.demo.writer import read_jsonl
from samad_desk.domain.models import CaseState, CaseType, iso_datetime
from samad_desk.domain.tracking import is_valid_tracking_code
from samad_desk.text.jalali import format_jalali
from samad_desk.text.national_id import is_valid_national_id
from samad_desk.text.phone import parse_mobile

N_CIT, N_CASES = 4000, 1500


@pytest.fixture(scope="module")
def dataset():
    rows = list(generate(42, N_CIT, N_CASES))
    by: dict[str, list[dict]] = {}
    for entity, doc in rows:
        by.setdefault(entity, []).append(doc)
    return rows, by


def test_deterministic_per_seed(dataset):
    rows, _ = dataset
    assert list(generate(42, N_CIT, N_CASES)) == rows
    other = list(generate(43, 300, 50))
    assert other != list(generate(42, 300, 50))
    assert list(generate(43, 300, 50)) == other


def test_citizens_are_valid(dataset):
    _, by = dataset
    citizens = by["citizen"]
    assert len(citizens) == N_CIT
    nids = [c["national_id"] for c in citizens if c["national_id"]]
    assert all(is_valid_national_id(n) for n in nids)
    assert len(set(nids)) == len(nids)
    assert any(n.startswith("00") for n in nids)  # Tehran-born, leading zeros kept
    assert all(c["no_national_id"] == (c["national_id"] is None) for c in citizens)
    for c in citizens:
        if c["mobile"] is not None:
            parsed = parse_mobile(c["mobile"])
            assert parsed.ok and parsed.value == c["mobile"], c["mobile"]
        if c["birth_date"] is not None:
            d = date.fromisoformat(c["birth_date"])
            assert date(1930, 1, 1) < d < DEFAULT_NOW.date()
            assert format_jalali(d)
        assert c["first_name"].strip() and c["last_name"].strip()
        assert c["city"] in qazvin_cities()
        assert c["created_at"] < iso_datetime(DEFAULT_NOW)
        assert c["version"] == 1 and c["merged_into"] is None
    assert [c["id"] for c in citizens[:50]] == [citizen_id(42, i, N_CIT) for i in range(50)]
    assert len({c["id"] for c in citizens}) == N_CIT
    assert [c["id"] for c in citizens] == sorted(c["id"] for c in citizens)  # time-ordered


def test_names_have_real_variety(dataset):
    _, by = dataset
    citizens = by["citizen"]
    firsts = Counter(c["first_name"] for c in citizens)
    assert firsts.most_common(1)[0][0] in ("محمد", "فاطمه")
    assert firsts["فاطمه"] > firsts["زهرا"] > firsts["نگین"]
    assert firsts["محمد"] > firsts["علی"] > firsts["حسن"]
    assert len(firsts) > 120  # the tail of rarer names and spelling variants
    assert any(" " in n for n in firsts)  # «محمد رضا», «سید علی»
    assert any(n.startswith(("سید ", "سیده ")) for n in firsts)
    lasts = Counter(c["last_name"] for c in citizens)
    assert any(n.endswith("زاده") for n in lasts) and any(n.endswith("پور") for n in lasts)
    assert any("\u200c" in n for n in lasts)
    assert len(lasts) > 300
    sayyed = sum(c["sayyed"] for c in citizens) / len(citizens)
    assert 0.05 < sayyed < 0.13
    cities = Counter(c["city"] for c in citizens)
    assert cities.most_common(1)[0][0] == "قزوین" and set(cities) == set(qazvin_cities())


def test_cases_in_every_state_with_consistent_histories(dataset):
    _, by = dataset
    cases = by["case"]
    assert len(cases) == N_CASES
    citizen_ids = {c["id"] for c in by["citizen"]}
    agencies = {a["id"] for a in by["agency"]}
    operators = {o["id"] for o in by["operator"]}
    states = Counter(c["state"] for c in cases)
    assert set(states) == {s.value for s in CaseState}, states
    assert Counter(c["type"] for c in cases).keys() == {t.value for t in CaseType}
    events: dict[str, list[dict]] = {}
    for e in by["event"]:
        events.setdefault(e["case_id"], []).append(e)
    keys = {leaf["key"] for cat in subject_tree() for leaf in cat["children"]}
    assert {c["subject"] for c in cases} <= keys  # cases store the subject key
    assert subject_label("water.outage") == "قطعی آب" and subject_label("متن آزاد") == "متن آزاد"
    codes = [c["tracking_code"] for c in cases]
    assert len(set(codes)) == len(codes) and all(is_valid_tracking_code(x) for x in codes)
    now = iso_datetime(DEFAULT_NOW)
    kinds = Counter(e["kind"] for e in by["event"])
    for kind in ("register", "refer", "accept", "assign", "answer", "return", "extend", "close",
                 "note", "followup", "escalate"):
        assert kinds[kind] > 0, kind
    assert any(e["kind"] == "followup" and e["data"].get("reopened") for e in by["event"])
    for c in cases:
        hist = events[c["id"]]
        assert hist[0]["kind"] == "register"
        assert [e["at"] for e in hist] == sorted(e["at"] for e in hist)
        assert hist[-1]["at"] <= now
        assert c["citizen_id"] in citizen_ids
        assert all(e["actor"]["operator_id"] in operators for e in hist)
        changed_case = [e for e in hist if e["kind"] not in ("note", "followup")
                        or e["data"].get("reopened") or e["data"].get("closed")]
        assert c["version"] == len(changed_case)
        if c["state"] in ("referred", "in_progress"):
            assert c["agency_id"] in agencies and c["due_date"]
        if c["state"] == "answered":
            assert c["answer"] and c["answered_at"]
        if c["state"] == "returned":
            assert c["agency_id"] is None and hist[-1]["kind"] in ("return", "note", "followup")
        if c["state"] == "closed":
            assert c["closed_at"]
    # overdue cases exist (the supervisor screens need them)
    overdue = [c for c in cases if c["state"] in ("referred", "in_progress") and c["due_date"] < DEFAULT_NOW.date().isoformat()]
    assert overdue


def test_reference_data():
    agencies = qazvin_agencies()
    ids = {a["id"] for a in agencies}
    assert len(agencies) == 10 and all(a["manager_name"] and a["name"] for a in agencies)
    assert "water-qazvin" in ids and "inspection-qazvin" in ids
    for cat in subject_tree():
        assert cat["title"] and cat["children"]
        for leaf in cat["children"]:
            assert leaf["agency_id"] in ids and leaf["title"]
            assert all(CaseType.parse(t) for t in leaf["case_types"])
    ops = demo_operators()
    users = {o["username"]: o for o in ops}
    for name in ("agent1", "water1", "watermgr", "super1", "admin"):
        assert name in users
    assert users["water1"]["role"] == "officer" and users["water1"]["agency_id"] == "water-qazvin"
    assert users["watermgr"]["role"] == "manager"
    managers = {a["id"]: a["manager_name"] for a in agencies}
    assert all(o["name"] == managers[o["agency_id"]] for o in ops if o["role"] == "manager")
    assert {o["agency_id"] for o in ops if o["agency_id"]} == ids


def test_writer_jsonl_and_csv(tmp_path):
    counts = write_dataset(generate(5, 200, 40), tmp_path / "j")
    assert counts["citizen"] == 200 and counts["case"] == 40 and counts["agency"] == 10
    rows = list(read_jsonl(tmp_path / "j" / "citizens.jsonl"))
    assert len(rows) == 200 and rows[0]["id"] == citizen_id(5, 0, 200)
    counts_csv = write_dataset(generate(5, 200, 40), tmp_path / "c", fmt="csv")
    assert counts_csv == counts
    with open(tmp_path / "c" / "cases.csv", encoding="utf-8", newline="") as fh:
        cases = list(csv.DictReader(fh))
    assert len(cases) == 40 and cases[0]["tracking_code"]
    with pytest.raises(ValueError):
        write_dataset([], tmp_path / "x", fmt="xml")


def test_same_output_in_another_process():
    import hashlib
    import os
    import subprocess
    import sys

    import orjson

    code = ("import hashlib, orjson\nfrom samad_desk.demo import generate\nm = hashlib.sha256()\n"
            "for e, d in generate(4, 300, 60):\n    m.update(orjson.dumps([e, d]))\nprint(m.hexdigest())\n")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    m = hashlib.sha256()
    for e, d in generate(4, 300, 60):
        m.update(orjson.dumps([e, d]))
    assert out.stdout.strip() == m.hexdigest()
