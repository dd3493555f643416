"""``samad-desk import …``, ``store check``, ``store rebuild``."""

from __future__ import annotations

import os
import random

import orjson
from click.testing import CliRunner

from samad_desk import paths
from samad_desk.cli import main
from samad_desk.store import Store
from tests.support.store import agency_changes, valid_nid

HEADER = "national_id,first_name,last_name,mobile,birth_date,city,type,subject,description,agency_id\n"


def _seed_agencies():
    s = Store.open(paths.data_dir())
    s.apply_changes(agency_changes(), "c0", {})
    s.close()


def test_import_cases_csv_reports_bad_rows_and_saves_good_ones(tmp_path):
    _seed_agencies()
    rng = random.Random(1)
    nid = valid_nid(rng)
    rows = [
        f"{nid},علی,رضایی,09121234567,1360/05/20,قزوین,complaint,قطعی آب,آب قطع است,ag-1",
        f"{nid},علی,رضایی,,,قزوین,شکایت,قبض آب,باز هم آب قطع است,ag-2",  # same citizen, Persian type
        "1234567890,مریم,کاظمی,,,قزوین,complaint,قطعی آب,شرح کافی,ag-1",  # bad national-id check digit
        f"{valid_nid(rng)},حسن,,,,قزوین,complaint,قطعی آب,شرح کافی,ag-1",  # no last name
        f"{valid_nid(rng)},زهرا,موسوی,0912,,قزوین,complaint,قطعی آب,شرح کافی,ag-1",  # bad mobile
        f"{valid_nid(rng)},زهرا,موسوی,,,قزوین,nonsense,موضوع,شرح کافی,ag-1",  # bad type
        f"{valid_nid(rng)},زهرا,موسوی,,,قزوین,request,قطعی آب,شرح کافی,no-such-agency",  # unknown agency
        f"{valid_nid(rng)},رضا,احمدی,۰۹۱۲۷۶۵۴۳۲۱,,تاکستان,request,روشنایی معابر,لامپ‌ها خاموش‌اند,",  # ok, no referral
    ]
    f = tmp_path / "cases.csv"
    f.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["import", "cases", str(f), "--batch", "2"])
    assert r.exit_code == 0, r.output
    out = r.output
    assert "سطر ۴: کد ملی" in out and "سطر ۵: نام خانوادگی" in out and "سطر ۶: شماره همراه" in out
    assert "سطر ۷: نوع پیام" in out and "سطر ۸: دستگاه" in out
    assert "۳ پرونده از ۸ سطر ثبت شد؛ ۵ سطر رد شد" in out
    s = Store.open(paths.data_dir())
    try:
        pend = s.pending_ops(limit=100)
        assert [o["type"] for o in pend].count("case.register") == 3
        assert [o["type"] for o in pend].count("citizen.upsert") == 2  # one citizen reused by national ID
        cit = s.citizen_by_national_id(nid)
        cases = s.cases_of_citizen(cit["id"])
        assert {c["state"] for c in cases} == {"referred"} and len(cases) == 2
        assert cit["birth_date"] == "1981-08-11"
        assert len(s.cartable("ag-1")) == 1
    finally:
        s.close()


def test_import_citizens_jsonl(tmp_path):
    rng = random.Random(2)
    f = tmp_path / "citizens.jsonl"
    good = [{"کد ملی": valid_nid(rng), "نام": "سارا", "نام خانوادگی": "نوری", "شماره همراه": "09351112233"}
            for _ in range(3)]
    lines = [orjson.dumps(g).decode() for g in good] + ["{broken", orjson.dumps({"national_id": "1"}).decode()]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["import", "citizens", str(f)])
    assert r.exit_code == 0, r.output
    assert "سطر ۴: سطر JSON معتبر نیست" in r.output and "سطر ۵: کد ملی" in r.output
    s = Store.open(paths.data_dir())
    try:
        assert [s.citizen_by_national_id(g["کد ملی"])["last_name"] for g in good] == ["نوری"] * 3
        assert len(s.citizens_by_mobile("09351112233")) == 3
    finally:
        s.close()


def test_store_check_and_rebuild():
    _seed_agencies()
    runner = CliRunner()
    r = runner.invoke(main, ["store", "check"])
    assert r.exit_code == 0 and "سالم" in r.output, r.output
    d = paths.data_dir() / "cache"
    shard = next((d / (d / "CURRENT").read_text().strip()).glob("agency.*.json"))
    data = bytearray(shard.read_bytes())
    data[len(data) // 3] ^= 0x04  # a flipped bit inside a document: only the full check sees it
    shard.write_bytes(bytes(data))
    r = runner.invoke(main, ["store", "check"])
    assert r.exit_code == 1 and "خراب" in r.output
    r = runner.invoke(main, ["store", "rebuild"])
    assert r.exit_code == 0 and "بازسازی شد" in r.output, r.output
    r = runner.invoke(main, ["store", "check"])
    assert r.exit_code == 0, r.output


def test_import_missing_file_is_a_clear_error():
    r = CliRunner().invoke(main, ["import", "cases", os.path.join("nope", "x.csv")])
    assert r.exit_code != 0 and "پیدا نشد" in r.output


def test_import_before_first_sync_leaves_agency_check_to_the_server(tmp_path):
    rng = random.Random(3)
    f = tmp_path / "cases.csv"
    f.write_text(HEADER + f"{valid_nid(rng)},علی,رضایی,,,قزوین,complaint,قطعی آب,آب قطع است,water-qazvin\n",
                 encoding="utf-8")
    r = CliRunner().invoke(main, ["import", "cases", str(f)])
    assert r.exit_code == 0, r.output
    assert "فهرست دستگاه‌ها هنوز از سرور دریافت نشده" in r.output and "۱ پرونده از ۱ سطر ثبت شد" in r.output
    s = Store.open(paths.data_dir())
    try:
        assert [o["type"] for o in s.pending_ops()] == ["citizen.upsert", "case.register", "case.refer"]
    finally:
        s.close()
