"""The batch command contracts: ``citizens dedupe`` and ``citizens lookup``."""

import csv
import json

import pytest
from click.testing import CliRunner

from samad_desk.cli import main
from samad_desk.matching import synth
from samad_desk.matching.dedupe import pairwise_metrics

FIELDS = ["record_id", "national_id", "first_name", "last_name", "father_name", "birth_date",
          "mobile", "city"]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def write_csv(path, rows, bom=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({f: r.get(f, "") for f in FIELDS})


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


HAND = [
    # one person four times: Persian digits, Gregorian date, Arabic letters, +98 mobile, no ID
    {"record_id": "1", "national_id": "0084575948", "first_name": "علی", "last_name": "کریمی",
     "father_name": "حسن", "birth_date": "1365/04/12", "mobile": "09121234567", "city": "قزوین"},
    {"record_id": "2", "national_id": "۰۰۸۴۵۷۵۹۴۸", "first_name": "علي", "last_name": "كريمي",
     "father_name": "", "birth_date": "1986-07-03", "mobile": "+98 912 123 4567", "city": ""},
    {"record_id": "3", "national_id": "", "first_name": "Ali", "last_name": "Karimi",
     "father_name": "Hasan", "birth_date": "۱۳۶۵/۰۴/۱۲", "mobile": "", "city": "قزوین"},
    {"record_id": "4", "national_id": "84575948", "first_name": "علی", "last_name": "کریمی",
     "father_name": "حسن", "birth_date": "65/4/12", "mobile": "", "city": ""},
    # his twin brother: same family fields and birth date, another name and ID
    {"record_id": "5", "national_id": "0084575956", "first_name": "حسین", "last_name": "کریمی",
     "father_name": "حسن", "birth_date": "1365/04/12", "mobile": "09121234567", "city": "قزوین"},
    # nothing at all but an id
    {"record_id": "6"},
    {"record_id": "7", "national_id": "", "first_name": "", "last_name": "", "father_name": "",
     "birth_date": "", "mobile": "", "city": ""},
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "csv-bom"])
def test_dedupe_contract_on_hand_made_records(tmp_path, fmt):
    src = tmp_path / ("in.jsonl" if fmt == "jsonl" else "in.csv")
    if fmt == "jsonl":
        write_jsonl(src, HAND)
    else:
        write_csv(src, HAND, bom=fmt == "csv-bom")
    out = tmp_path / "clusters.jsonl"
    result = CliRunner().invoke(main, ["citizens", "dedupe", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_jsonl(out)
    assert [r["record_id"] for r in rows] == [r["record_id"] for r in HAND]
    assert all(set(r) == {"record_id", "cluster_id"} for r in rows)
    cid = {r["record_id"]: r["cluster_id"] for r in rows}
    assert cid["1"] == cid["2"] == cid["3"] == cid["4"]
    assert cid["5"] != cid["1"]
    assert len({cid["5"], cid["6"], cid["7"], cid["1"]}) == 4
    assert "رکورد" in result.output  # the Persian summary


def test_dedupe_jsonl_with_numbers_and_missing_keys(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"record_id": 1, "national_id": 84575948, "first_name": "علی"}\n'
                   '\n{"record_id": 2, "national_id": "0084575948", "first_name": "علی", "city": null}\n',
                   encoding="utf-8")
    out = tmp_path / "c.jsonl"
    result = CliRunner().invoke(main, ["citizens", "dedupe", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [r["record_id"] for r in read_jsonl(out)] == ["1", "2"]


def test_dedupe_rejects_broken_jsonl_in_persian(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"record_id": "1"}\n{oops\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["citizens", "dedupe", str(src), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert "سطر ۲" in result.output


def test_dedupe_on_synthetic_file_meets_the_quality_bar(tmp_path):
    data = synth.generate(5005, 3000)
    src = tmp_path / "in.csv"
    write_csv(src, data.records)
    out, review = tmp_path / "c.jsonl", tmp_path / "r.jsonl"
    result = CliRunner().invoke(main, ["citizens", "dedupe", str(src), "--out", str(out),
                                       "--review", str(review), "--progress"])
    assert result.exit_code == 0, result.output
    rows = read_jsonl(out)
    m = pairwise_metrics([r["record_id"] for r in rows], [r["cluster_id"] for r in rows], data.truth)
    assert m["precision"] >= 0.99 and m["recall"] >= 0.98
    for pair in read_jsonl(review):
        assert set(pair) == {"a", "b", "score"}


def test_lookup_contract(tmp_path):
    data = synth.generate(5006, 1500)
    by_person: dict[int, list[dict]] = {}
    for r in data.records:
        by_person.setdefault(data.truth[r["record_id"]], []).append(r)
    cache, queries = [], []
    for recs in by_person.values():
        if len(recs) > 1:
            queries.append(recs[0])
            cache.extend(recs[1:])
        else:
            cache.extend(recs)
    queries.append({"record_id": "stranger", "first_name": "Zzz", "last_name": "Qqq"})
    cache_path, q_path, out = tmp_path / "cache.jsonl", tmp_path / "q.csv", tmp_path / "cand.jsonl"
    write_jsonl(cache_path, cache)
    write_csv(q_path, queries)
    result = CliRunner().invoke(main, ["citizens", "lookup", "--cache", str(cache_path), str(q_path),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_jsonl(out)
    assert [r["query"] for r in rows] == [q["record_id"] for q in queries]
    cache_ids = {r["record_id"] for r in cache}
    hits = 0
    for row, q in zip(rows, queries, strict=True):
        assert set(row) == {"query", "candidates"}
        assert len(row["candidates"]) <= 5
        assert len(set(row["candidates"])) == len(row["candidates"])
        assert set(row["candidates"]) <= cache_ids
        if q["record_id"] != "stranger":
            hits += bool(row["candidates"]) and data.truth[row["candidates"][0]] == data.truth[q["record_id"]]
    assert rows[-1]["candidates"] == []
    assert hits / (len(queries) - 1) >= 0.95
    assert "پرس‌وجو" in result.output


def test_commands_are_listed_in_help():
    result = CliRunner().invoke(main, ["citizens", "--help"])
    assert result.exit_code == 0
    assert "dedupe" in result.output and "lookup" in result.output
