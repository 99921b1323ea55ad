"""The web chat in a real browser: Debian's Chromium, headless, at a phone's size, driven by Selenium.

Nothing is downloaded: the system's ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` are named explicitly,
so Selenium Manager never runs. Without them the test fails (``tools/ensure_chromium.sh`` installs them).

Screenshots go to ``$SCREENSHOT_DIR`` (``make screenshots`` sets it to ``docs/screenshots``), else to the
test's temporary folder; their paths are printed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from bot.sandbox import Sandbox
from bot.settings import Settings

from .test_sandbox import secretary_help

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE = (390, 844)
WAIT = 15


class SandboxThread:
    """A sandbox on its own event loop in a thread, so that the blocking WebDriver can drive the page."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.sandbox: Sandbox | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sandbox", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.sandbox = Sandbox(self.settings, port=0)
            self.loop.run_until_complete(self.sandbox.start())
        except BaseException as error:
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()

    def __enter__(self) -> Sandbox:
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None or self.sandbox is None:
            raise RuntimeError("the sandbox did not start") from self._error
        return self.sandbox

    def __exit__(self, *exc: object) -> None:
        if self.sandbox is not None:
            asyncio.run_coroutine_threadsafe(self.sandbox.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"the browser test needs Debian's Chromium: {', '.join(missing)} missing; "
            "run tools/ensure_chromium.sh (as root it installs chromium and chromium-driver with apt-get)",
            pytrace=False,
        )


@pytest.fixture
def shots(tmp_path: Path) -> Callable[[WebDriver, str], Path]:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(driver: WebDriver, name: str) -> Path:
        # On a phone nothing may stick out sideways: the page never scrolls horizontally.
        widths = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1], f"{name}: the page is {widths[0]} px wide on a {widths[1]} px screen"
        path = folder / f"{name}.png"
        assert driver.save_screenshot(str(path)), f"could not save {path}"
        print(f"screenshot: {path}")
        return path

    return shoot


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    _require_browser()
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager, should anything call it, stays offline
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--lang=fa",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        f"--window-size={PHONE[0]},{PHONE[1]}",
    ):
        options.add_argument(flag)
    # A phone's screen: CSS pixels of a 390 x 844 device, touch, mobile user agent.
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": PHONE[0], "height": PHONE[1], "pixelRatio": 2}}
    )
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def until(driver: WebDriver, condition: Callable[[WebDriver], Any], what: str) -> Any:
    def guarded(d: WebDriver) -> Any:
        try:
            return condition(d)
        except StaleElementReferenceException:  # the chat was redrawn under us: look again
            return False

    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(guarded, f"waiting for {what}")


def bubbles(driver: WebDriver, side: str = "bot") -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, f"#messages .msg.{side} .text")]


def person_button(driver: WebDriver, user_id: int) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'.person[data-user-id="{user_id}"]')


def send(driver: WebDriver, text: str) -> None:
    box = driver.find_element(By.ID, "text")
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()


def test_a_secretary_and_a_member_use_the_web_chat_on_a_phone(
    tmp_path: Path, browser: WebDriver, shots: Callable[[WebDriver, str], Path]
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    with SandboxThread(settings) as sandbox:
        browser.get(sandbox.url)
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
        until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".person")) == 8, "the people")
        secretary = person_button(browser, 1001)
        assert secretary.text.split("\n") == ["ز", "زهرا احمدی", "منشی شورا — شورای اسلامی شهر سمنان"]
        # Right to left: the avatar sits at the right edge of the card, the name to its left.
        avatar = secretary.find_element(By.CSS_SELECTOR, ".avatar")
        name = secretary.find_element(By.CSS_SELECTOR, ".person-name")
        assert avatar.rect["x"] > name.rect["x"]
        shots(browser, "01-people")

        # The secretary asks for help and gets her roles.
        secretary.click()
        until(browser, lambda d: d.find_element(By.ID, "chat-name").text == "زهرا احمدی", "her chat")
        until(browser, lambda d: d.find_element(By.ID, "empty").is_displayed(), "the empty chat hint")
        send(browser, "/help")
        until(browser, lambda d: bubbles(d) == [secretary_help()], "the answer to /help")
        assert bubbles(browser, "me") == ["/help"]
        mine = browser.find_element(By.CSS_SELECTOR, "#messages .msg.me .bubble")
        theirs = browser.find_element(By.CSS_SELECTOR, "#messages .msg.bot .bubble")
        assert mine.rect["x"] + mine.rect["width"] > theirs.rect["x"] + theirs.rect["width"]  # hers: right
        shots(browser, "02-secretary-help")

        # The command menu lists what the bot published for her (the platform's menu).
        browser.find_element(By.ID, "menu-button").click()
        commands = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#menu .cmd")]
        assert commands[:2] == ["/help", "/language"]
        shots(browser, "03-command-menu")
        browser.find_element(By.ID, "menu-button").click()

        # A member sees a conversation of her own: empty.
        browser.find_element(By.ID, "back").click()
        until(browser, lambda d: person_button(d, 1003).is_displayed(), "the people again")
        person_button(browser, 1003).click()
        until(browser, lambda d: d.find_element(By.ID, "chat-name").text == "مریم کریمی", "the member's chat")
        until(browser, lambda d: d.find_element(By.ID, "empty").is_displayed(), "her empty chat")
        assert bubbles(browser) == [] and bubbles(browser, "me") == []

        # She changes the language with an inline button; the message is edited in place, the buttons go.
        send(browser, "/language")
        until(browser, lambda d: bubbles(d) == ["زبان را انتخاب کنید:"], "the language prompt")
        labels = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#messages .inline-kb button")]
        assert labels == ["فارسی", "English"]
        shots(browser, "04-inline-buttons")
        browser.find_element(By.XPATH, "//div[@class='inline-kb']//button[text()='English']").click()
        until(browser, lambda d: bubbles(d) == ["The interface language is now English."], "the edit")
        assert browser.find_elements(By.CSS_SELECTOR, "#messages .inline-kb") == []
        meta = browser.find_element(By.CSS_SELECTOR, "#messages .msg.bot .meta").text
        assert meta.startswith("ویرایش‌شده")

        # The sandbox clock moves ten days ahead.
        before = browser.find_element(By.ID, "clock-text").text
        browser.find_element(By.ID, "clock-10days").click()
        until(browser, lambda d: d.find_element(By.ID, "clock-offset").text == "۱۰ روز جلوتر از ساعت واقعی",
              "the clock to move")
        after = browser.find_element(By.ID, "clock-text").text
        assert after != before and " ساعت " in after and not any(c.isascii() and c.isdigit() for c in after)
        shots(browser, "05-clock-moved")

        # Back at the secretary: her own conversation is still there.
        browser.find_element(By.ID, "back").click()
        person_button(browser, 1001).click()
        until(browser, lambda d: bubbles(d) == [secretary_help()], "her conversation again")

        # Reset (two taps) empties every chat and sets the clock back.
        browser.find_element(By.ID, "reset").click()
        browser.find_element(By.ID, "reset").click()
        until(browser, lambda d: d.find_element(By.ID, "empty").is_displayed(), "the reset")
        until(browser, lambda d: d.find_element(By.ID, "clock-offset").text == "", "the clock to reset")
        assert bubbles(browser) == []
        sandbox.server.assert_no_violations()
