"""``samad-desk serve web`` in Debian's headless Chromium (Selenium + chromedriver).

The page draws the terminal on a canvas, so what the browser received is read from the
page's own WebSocket (a hook installed before the page's scripts run): the desk's login
screen must arrive, typing into the page must log the operator in at the real central
server, and the screenshot of the logged-in desk goes to docs/screenshots/serve-web.png."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samad_desk.central.process import free_port, sqlite_url, start_server
from samad_desk.text import rtl
from tests.support.serve import require

ROOT = Path(__file__).resolve().parents[3]
SHOT = ROOT / "docs" / "screenshots" / "serve-web.png"

HOOK = r"""
window.__got = [];
const Native = window.WebSocket;
const decoder = new TextDecoder();
function Hooked(url, protocols) {
  const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
  ws.addEventListener("message", (ev) => {
    const d = ev.data;
    if (typeof d === "string") window.__got.push(d);
    else if (d instanceof ArrayBuffer) window.__got.push(decoder.decode(d, {stream: true}));
    else if (d instanceof Blob) d.arrayBuffer().then((b) => window.__got.push(decoder.decode(b, {stream: true})));
  });
  return ws;
}
Hooked.prototype = Native.prototype;
for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Hooked[k] = Native[k];
window.WebSocket = Hooked;
"""


def visual(text: str) -> str:
    return rtl.layout_line(text).visual.strip()


@pytest.fixture
def browser():
    chromium = require("chromium", "chromium")
    driver_path = require("chromedriver", "chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,760",
                "--disable-gpu"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    with contextlib.suppress(Exception):
        driver.quit()


def received(driver) -> str:
    return "".join(driver.execute_script("return window.__got || [];"))


def wait_for(driver, what: str, predicate, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = received(driver)
        if predicate(got):
            return got
        time.sleep(0.3)
    import re

    tail = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", received(driver))[-1500:]
    raise AssertionError(f"the page never showed {what}; the last it received:\n{tail}")


def test_login_screen_then_login_in_the_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    with start_server(sqlite_url(tmp_path), seed_demo=True) as central:
        port = free_port()
        web = subprocess.Popen(
            [sys.executable, "-m", "samad_desk", "serve", "web", "--server", central.url, "--host", "127.0.0.1",
             "--port", str(port), "--dir", str(tmp_path / "web"), "--data-dir", str(tmp_path / "data")],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "web.err", "wb"), start_new_session=True)
        try:
            browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
            deadline = time.monotonic() + 30
            while True:
                try:
                    browser.get(f"http://127.0.0.1:{port}/")
                    break
                except Exception:
                    assert time.monotonic() < deadline, (tmp_path / "web.err").read_text()
                    time.sleep(0.5)
            wait_for(browser, "the login screen", lambda got: visual("ورود به میز سامد ۱۱۱") in got)
            sessions = list((tmp_path / "web" / "sessions").iterdir())
            assert len(sessions) == 1  # the page's own, fresh operator directory: nobody's session

            box = browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
            box.send_keys("super1")
            box.send_keys(Keys.ENTER)
            time.sleep(0.5)
            box.send_keys("super1")
            box.send_keys(Keys.ENTER)
            wait_for(browser, "the supervisor view", lambda got: visual("نظارت") in got)
            logins = [line for line in central.log_text().splitlines() if '"msg":"login"' in line]
            assert any("op-super1" in line for line in logins)
            tokens = (sessions[0] / "tokens.json").read_text()
            assert "op-super1" in tokens

            # a second page, while the first is logged in, gets its own login screen
            first = browser.current_window_handle
            browser.switch_to.new_window("tab")
            browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
            browser.get(f"http://127.0.0.1:{port}/")
            got = wait_for(browser, "a second page's login screen", lambda g: visual("ورود به میز سامد ۱۱۱") in g)
            time.sleep(2)
            assert visual("نظارت") not in received(browser)
            sessions = sorted((tmp_path / "web" / "sessions").iterdir())
            assert len(sessions) == 2 and got
            browser.close()
            browser.switch_to.window(first)
            time.sleep(1.5)  # let the canvas finish drawing
            SHOT.parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(SHOT))
            browser.quit()  # the page goes: its desk ends, logged out, directory removed
            deadline = time.monotonic() + 60
            while any(d.exists() for d in sessions):
                assert time.monotonic() < deadline, "the closed page's operator directory was left behind"
                time.sleep(0.3)
            deadline = time.monotonic() + 20
            while not any('"msg":"logout"' in line and "op-super1" in line
                          for line in central.log_text().splitlines()):
                assert time.monotonic() < deadline, "the page's login was not ended at the central"
                time.sleep(0.3)
        finally:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(15)
