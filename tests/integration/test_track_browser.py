"""The tracking page in a real browser: Debian's headless Chromium driven by Selenium
(``/usr/bin/chromium``, ``/usr/bin/chromedriver``) against a real central server
process, with an agency desk (real store, sync client and engine) on the same server.

A citizen tracks a case, sees its timeline, records an objection, and the water
agency's desk sees the case reopen after one sync. Wrong inputs all look the same;
the check digit is refused as it is typed (JavaScript on) and by the server (off).

Screenshots at 360 and 1280 pixels go to the test's temporary directory, and to
``docs/screenshots/track-*.png`` when ``SAMAD_SAVE_SCREENSHOTS=1``. Without a browser
the tests are skipped, except under ``CI=true``, where they fail naming what is missing.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
import pytest

from samad_desk.central.testing import Desk as ScriptedDesk
from samad_desk.domain import ops as O
from samad_desk.domain.tracking import make_tracking_code
from samad_desk.text.digits import to_persian_digits
from tests.support.desks import Desk, server  # noqa: F401  (the real-server fixture)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TAIL = "4567"  # of central.testing.MOBILE

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _need_browser() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[test]')")
    if missing:
        message = f"browser tests need {', '.join(missing)} (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _browser(width: int, height: int, *, javascript: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--lang=fa", "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    if not javascript:
        opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    # the exact viewport (a desktop window has a minimum width above a phone's)
    _viewport(driver, width, height)
    return driver


def _viewport(driver, width: int, height: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


@pytest.fixture(scope="module", autouse=True)
def _browser_present():
    """Before the server starts (autouse fixtures of a scope come first)."""
    _need_browser()


@pytest.fixture
def answered(server, tmp_path):  # noqa: F811
    """(tracking code, case id, the water agency's desk) for a case answered by water1."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        agent = ScriptedDesk(http, "agent1")
        ops, case_id, _, code = agent.new_call()
        agent.push(*ops)
    water = Desk(tmp_path / "water", server.url, "water1")
    water.sync()
    actor = O.make_actor(water.operator)
    case = water.store.get("case", case_id)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        officer = ScriptedDesk(http, "water1")
        officer.push(O.case_accept(case, officer.actor),
                     O.case_extend(case_id, 2, "نیاز به بازدید میدانی", actor),
                     O.case_answer(case_id, "شیر فلکه تعمیر شد.", officer.actor))
    water.sync()
    assert water.store.get("case", case_id)["state"] == "answered"
    yield code, case_id, water
    water.close()


def _shot(driver, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"track-{name}.png"
    # the whole page: the viewport grows to the document's height
    width = driver.execute_script("return window.innerWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    _viewport(driver, width, max(height, 400))
    driver.save_screenshot(str(path))
    if os.environ.get("SAMAD_SAVE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / path.name)


def _fill(driver, code: str, tail: str) -> None:
    from selenium.webdriver.common.by import By

    for name, value in (("code", code), ("tail", tail)):
        box = driver.find_element(By.ID, name)
        box.clear()
        box.send_keys(value)


def _gone(element) -> bool:
    """True once ``element`` left the document. Selenium's ``staleness_of`` knows only
    StaleElementReferenceException; chromium can answer a node removed mid-navigation with
    a plain WebDriverException "Node with given id does not belong to the document"
    (CI failed on it once), which means the same thing."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as e:
        if "does not belong to the document" in str(e):
            return True
        raise
    return False


def _submit(driver, button_id: str) -> None:
    """Click a submit button and wait for the next page (a click returns before it loads)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button_id).click()
    WebDriverWait(driver, 30).until(lambda d: _gone(old))
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _text(driver, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).text


def test_track_see_the_timeline_object_and_the_desk_sees_the_case_reopen(server, answered, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    code, case_id, water = answered
    driver = _browser(1280, 900)
    try:
        driver.get(f"{server.url}/track")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
        font = driver.execute_script(
            "return document.fonts.check('16px Vazirmatn') && getComputedStyle(document.body).fontFamily")
        assert font and "Vazirmatn" in font
        # a mistyped digit is refused as it is typed, before anything is sent
        wrong = code[:5] + str((int(code[5]) + 1) % 10) + code[6:]
        _fill(driver, to_persian_digits(wrong), TAIL)
        assert "رقم کنترل درست نیست" in _text(driver, "code-error")
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.ID, "go").click()
        time.sleep(1.0)  # time enough to have navigated, had the script let the form go
        assert driver.find_element(By.TAG_NAME, "html") == page  # the script kept the page
        assert driver.find_elements(By.ID, "case") == [] and driver.find_elements(By.ID, "notice") == []
        # the right code, in Persian digits with dashes as read out on the phone
        _fill(driver, to_persian_digits(f"{code[:4]}-{code[4:8]}-{code[8:]}"), to_persian_digits(TAIL))
        assert _text(driver, "code-error") == ""
        _submit(driver, "go")
        assert _text(driver, "state") == "پاسخ داده شده"
        assert _text(driver, "agency") == "شرکت آب و فاضلاب استان قزوین"
        kinds = [li.get_attribute("data-kind") for li in driver.find_elements(By.CSS_SELECTOR, "#timeline li")]
        assert kinds == ["register", "refer", "accept", "extend", "answer"]
        assert "نیاز به بازدید میدانی" in _text(driver, "timeline")
        assert _text(driver, "answer") == "شیر فلکه تعمیر شد."
        assert len(_text(driver, "digest")) == 12  # the chain head's short digest
        # the code reads left to right inside the right-to-left page (first digit leftmost)
        first, last = driver.execute_script(
            "const n = document.querySelector('#case-title .code').firstChild, r = document.createRange();"
            "r.setStart(n, 0); r.setEnd(n, 1); const a = r.getBoundingClientRect().left;"
            "r.setStart(n, n.length - 1); r.setEnd(n, n.length); return [a, r.getBoundingClientRect().left];")
        assert first < last
        _shot(driver, tmp_path, "answered-1280")
        # the objection
        driver.find_element(By.ID, "objection").click()
        driver.find_element(By.ID, "text").send_keys("آب هنوز قطع است")
        _submit(driver, "send")
        assert "اعتراض شما ثبت شد" in _text(driver, "done")
        assert _text(driver, "state") == "در حال رسیدگی"
        _shot(driver, tmp_path, "objection-1280")
    finally:
        driver.quit()
    # the agency's desk, through the real server
    water.sync()
    case = water.store.get("case", case_id)
    assert case["state"] == "in_progress"
    events = [e for e in water.store.events_of_case(case_id) if e["kind"] == "followup"]
    assert [(e["actor"]["role"], e["data"]["note"]) for e in events] == [("citizen", "آب هنوز قطع است")]


def test_wrong_inputs_all_look_the_same_in_the_browser(server, answered, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    code, _, _ = answered
    driver = _browser(360, 740)
    try:
        seen = []
        for c, t in ((code, "1111"), (make_tracking_code(99_998, 123_456), TAIL)):
            driver.get(f"{server.url}/track")
            _fill(driver, c, t)
            _submit(driver, "go")
            seen.append((_text(driver, "notice"), driver.find_element(By.TAG_NAME, "main").text,
                         driver.find_elements(By.ID, "case")))
        assert seen[0] == seen[1]
        assert seen[0][0] == "پرونده‌ای با این کد رهگیری و شماره همراه یافت نشد." and seen[0][2] == []
        _shot(driver, tmp_path, "not-found-360")
        # readable at 360 px: nothing wider than the window
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 360
    finally:
        driver.quit()


def test_the_page_works_without_javascript(server, answered, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    code, _, _ = answered
    driver = _browser(360, 740, javascript=False)
    try:
        driver.get(f"{server.url}/track")
        bad = code[:-1] + str((int(code[-1]) + 1) % 10)
        _fill(driver, bad, "45x7")
        _submit(driver, "go")
        # the server's errors, in place, with what was typed kept
        assert "رقم کنترل درست نیست" in _text(driver, "code-error")
        assert "چهار رقم آخر" in _text(driver, "tail-error")
        assert driver.find_element(By.ID, "code").get_attribute("value") == bad
        _shot(driver, tmp_path, "errors-360")
        _fill(driver, code, TAIL)
        _submit(driver, "go")
        assert _text(driver, "state") == "پاسخ داده شده"
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 360
        _shot(driver, tmp_path, "answered-360")
    finally:
        driver.quit()
