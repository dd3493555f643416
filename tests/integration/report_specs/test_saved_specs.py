"""Saved report specs through the real server process (SQLite and PostgreSQL): an operator
saves its own spec by name, a supervisor shares one in its province and nobody else
does, another province never sees it, the scope of the account decides (not the body);
the desk caches the list so a saved spec runs offline, and ``samad-desk report run NAME``
runs one."""

from __future__ import annotations

import httpx
import orjson
import pytest
from click.testing import CliRunner

from samad_desk.central.process import start_server
from samad_desk.central.service import Central
from samad_desk.central.testing import Desk
from samad_desk.cli import main
from samad_desk.reports.spec import spec_from_dict
from samad_desk.services.report_specs import SavedSpecs

SPEC = {"name": "x", "rows": ["agency"], "columns": ["month"], "measures": ["cases", "overdue"],
        "period": "1404", "filters": {"type": ["complaint"]}}


@pytest.fixture
def central(db_url, tmp_path):
    with start_server(db_url, seed_demo=True, log_path=tmp_path / "central.log") as srv:
        c = Central(db_url)
        try:
            c.add_user("zsuper", "zsuper", "supervisor", province="zanjan", name="ناظر زنجان")
        finally:
            c.close()
        with httpx.Client(base_url=srv.url) as http:
            yield srv, http


def _names(http, desk) -> list[tuple[str, bool, bool]]:
    r = http.get("/v1/reports/specs", headers=desk.headers)
    assert r.status_code == 200, r.text
    return [(s["name"], s["mine"], s["shared"]) for s in r.json()["specs"]]


def test_save_share_and_scope(central):
    _srv, http = central
    sup, mgr, zsup = Desk(http, "super1"), Desk(http, "watermgr"), Desk(http, "zsuper")
    assert http.get("/v1/reports/specs").status_code == 401
    # a manager saves its own; nobody else sees it
    r = http.put("/v1/reports/specs/شکایت‌های من", headers=mgr.headers, json={"spec": SPEC})
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["name"] == "شکایت‌های من" and saved["mine"] and not saved["shared"]
    assert spec_from_dict(dict(saved["spec"], name="y")).columns == ("month",)
    assert _names(http, mgr) == [("شکایت‌های من", True, False)]
    assert _names(http, sup) == []
    # a manager may not share (the role comes from the account, not the request)
    r = http.post("/v1/reports/specs/شکایت‌های من/share", headers=mgr.headers, json={"shared": True})
    assert r.status_code == 403
    r = http.post("/v1/reports/specs/شکایت‌های من/share", headers=mgr.headers,
                  json={"shared": True, "role": "supervisor"})
    assert r.status_code == 400
    # the supervisor saves and shares: the province sees it, the other province does not
    assert http.put("/v1/reports/specs/استان", headers=sup.headers, json={"spec": SPEC}).status_code == 200
    r = http.post("/v1/reports/specs/استان/share", headers=sup.headers, json={"shared": True})
    assert r.status_code == 200 and r.json()["shared"] is True
    assert ("استان", False, True) in _names(http, mgr)
    assert _names(http, zsup) == []
    # saving again replaces it and keeps the sharing; the share is of one's own only
    spec2 = dict(SPEC, measures=["in_time_pct"])
    r = http.put("/v1/reports/specs/استان", headers=sup.headers, json={"spec": spec2})
    assert r.json()["shared"] is True and r.json()["spec"]["measures"] == ["in_time_pct"]
    assert http.post("/v1/reports/specs/شکایت‌های من/share", headers=sup.headers,
                     json={"shared": True}).status_code == 404
    # a bad spec is a Persian 400 naming the field; a bad name too
    r = http.put("/v1/reports/specs/بد", headers=sup.headers, json={"spec": dict(SPEC, measures=["speed"])})
    assert r.status_code == 400 and r.json()["error"] == "invalid_spec" and "«speed»" in r.json()["message"]
    r = http.put(f"/v1/reports/specs/{'ن' * 81}", headers=sup.headers, json={"spec": SPEC})
    assert r.status_code == 400
    # a name may hold a slash (a Jalali month in it), as the desk's client sends it
    from urllib.parse import quote

    path = f"/v1/reports/specs/{quote('ماه ۱۴۰۴/۰۲', safe='')}"
    assert http.put(path, headers=sup.headers, json={"spec": SPEC}).status_code == 200
    assert http.post(f"{path}/share", headers=sup.headers, json={"shared": True}).json()["shared"] is True
    assert ("ماه ۱۴۰۴/۰۲", False, True) in _names(http, mgr)
    # unsharing hides it again
    http.post("/v1/reports/specs/استان/share", headers=sup.headers, json={"shared": False})
    assert ("استان", False, True) not in _names(http, mgr)
    assert http.get("/openapi.json").json()["paths"]["/v1/reports/specs/{name}/share"]["post"]


def test_desk_cache_works_offline_and_cli_runs_a_saved_spec(central, tmp_path, monkeypatch):
    from samad_desk.settings import load_settings
    from samad_desk.sync.client import SyncClient
    from samad_desk.sync.tokens import TokenStore

    srv, http = central
    monkeypatch.setenv("SAMAD_DESK_SERVER_URL", srv.url)
    settings = load_settings()
    client = SyncClient(srv.url, TokenStore(settings.operator_dir, srv.url))
    operator = client.login("super1", "super1", remember_offline=False)
    cache = tmp_path / "specs.json"
    saved = SavedSpecs(cache, client, operator)
    entry, note = saved.save(spec_from_dict(dict(SPEC, name="ماهانه")))
    assert not entry.pending and "ذخیره شد" in note
    assert saved.share("ماهانه", True).endswith("به اشتراک گذاشته شد.")
    assert _names(http, Desk(http, "watermgr")) == [("ماهانه", False, True)]
    client.close()
    # offline: the cache still lists and finds it; a save waits as pending, then is sent
    offline = SavedSpecs(cache, None, operator)
    found = offline.find("ماهانه")
    assert found is not None and found.shared and found.spec.columns == ("month",)
    entry, note = offline.save(spec_from_dict(dict(SPEC, name="بی‌سرور")))
    assert entry.pending and "فرستاده می‌شود" in note
    client = SyncClient(srv.url, TokenStore(settings.operator_dir, srv.url))
    assert SavedSpecs(cache, client, operator).refresh() is None
    client.close()
    assert ("بی‌سرور", True, False) in _names(http, Desk(http, "super1"))
    # the CLI: `report run NAME --server` takes the saved spec from the server's list
    r = CliRunner().invoke(main, ["report", "run", "ماهانه", "--server", srv.url, "--format", "json",
                                  "--today", "1404/05/01"])
    assert r.exit_code == 0, r.output
    body = orjson.loads(r.stdout_bytes)
    assert body["name"] == "ماهانه" and body["spec"]["columns"] == ["month"]
    r = CliRunner().invoke(main, ["report", "run", "نیست", "--server", srv.url])
    assert r.exit_code != 0 and "«نیست»" in r.output


def test_cli_runs_a_saved_spec_from_the_cache_offline(monkeypatch):
    """No server at all: `report run NAME` takes the spec from the desk's cache."""
    from samad_desk.settings import load_settings
    from samad_desk.store import Store
    from samad_desk.sync.tokens import TokenStore

    url = "http://127.0.0.1:9"  # names the session only; nothing listens there
    monkeypatch.setenv("SAMAD_DESK_SERVER_URL", url)
    settings = load_settings()
    operator = {"id": "s1", "role": "supervisor", "province": "qazvin"}
    TokenStore(settings.operator_dir, url).save({"operator": operator, "access_token": "x"})
    Store.open(settings.data_dir).close()
    from samad_desk.services.report_specs import CACHE_NAME

    SavedSpecs(settings.operator_dir / CACHE_NAME, None, operator).save(
        spec_from_dict(dict(SPEC, name="ماهانه")))
    r = CliRunner().invoke(main, ["report", "run", "ماهانه", "--format", "json", "--today", "1404/05/01"])
    assert r.exit_code == 0, r.output
    body = orjson.loads(r.stdout_bytes)
    assert body["name"] == "ماهانه" and body["spec"]["filters"] == {"type": ["complaint"]}
    r = CliRunner().invoke(main, ["report", "run", "سالانه"])
    assert r.exit_code != 0 and "ماهانه" in r.output  # the saved names are listed
