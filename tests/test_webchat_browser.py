"""The web chat in a real browser: Debian's Chromium, headless, at a phone's size, driven by Selenium.

Nothing is downloaded: the system's ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` are named explicitly,
so Selenium Manager never runs. Without them the test fails (``tools/ensure_chromium.sh`` installs them).

Screenshots always go to the test's temporary folder and, when ``$SCREENSHOT_DIR`` is set (``make
screenshots`` sets it to ``docs/screenshots``), there too; their paths are printed.
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
    folders = [tmp_path / "screenshots"]
    if os.environ.get("SCREENSHOT_DIR"):
        folders.append(Path(os.environ["SCREENSHOT_DIR"]))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)

    def shoot(driver: WebDriver, name: str) -> Path:
        # On a phone nothing may stick out sideways: the page never scrolls horizontally.
        widths = driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1], f"{name}: the page is {widths[0]} px wide on a {widths[1]} px screen"
        png = driver.get_screenshot_as_png()
        for folder in folders:
            path = folder / f"{name}.png"
            path.write_bytes(png)
            print(f"screenshot: {path}")
        return folders[0] / f"{name}.png"

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
    # One script call, not one WebDriver round trip per message: long chats stay quick to poll.
    texts = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map((e) => e.innerText)",
        f"#messages .msg.{side} .text",
    )
    return [t.strip() for t in texts]


def person_button(driver: WebDriver, user_id: int) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'.person[data-user-id="{user_id}"]')


def tap_person(driver: WebDriver, user_id: int) -> None:
    """Open a person's chat; the list may be redrawn (a moved clock, a new message) between finding the
    card and tapping it, so a stale card is looked up again."""

    def tapped(d: WebDriver) -> bool:
        person_button(d, user_id).click()
        return True

    until(driver, tapped, f"tapping person {user_id}")


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
        tap_person(browser, 1001)
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
        tap_person(browser, 1003)
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
        tap_person(browser, 1001)
        until(browser, lambda d: bubbles(d) == [secretary_help()], "her conversation again")

        # Reset (two taps) empties every chat and sets the clock back.
        browser.find_element(By.ID, "reset").click()
        browser.find_element(By.ID, "reset").click()
        until(browser, lambda d: d.find_element(By.ID, "empty").is_displayed(), "the reset")
        until(browser, lambda d: d.find_element(By.ID, "clock-offset").text == "", "the clock to reset")
        assert bubbles(browser) == []
        sandbox.server.assert_no_violations()


# --- a whole case: submission, objection, no answer, escalation


REASONING = "وضع عوارض بر کالای وارداتی در صلاحیت شورای شهر نیست و با قانون مغایر است."


def last_bot(driver: WebDriver) -> str:
    found = bubbles(driver)
    return found[-1] if found else ""


def settled(driver: WebDriver) -> None:
    """No toast over the chat, and the newest message with its buttons in view: ready for a screenshot."""
    until(driver, lambda d: not d.find_element(By.ID, "toast").is_displayed(), "the toast to go")
    driver.execute_script(
        "const rows = document.querySelectorAll('#messages .msg');"
        "if (rows.length) rows[rows.length - 1].scrollIntoView({block: 'end'});"
    )


def open_chat(driver: WebDriver, user_id: int, name: str) -> None:
    """Back to the people, then into ``user_id``'s chat."""
    if driver.find_element(By.ID, "back").is_displayed():
        driver.find_element(By.ID, "back").click()
    until(driver, lambda d: person_button(d, user_id).is_displayed(), "the people")
    tap_person(driver, user_id)
    until(driver, lambda d: d.find_element(By.ID, "chat-name").text == name, f"{name}'s chat")


def click(driver: WebDriver, element: WebElement) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _button(driver: WebDriver, selector: str, label: str) -> WebElement | None:
    """The last button matching ``selector`` labelled ``label`` (one script call), or None."""
    return driver.execute_script(  # type: ignore[no-any-return]
        "const found = Array.from(document.querySelectorAll(arguments[0]))"
        ".filter((b) => b.textContent.trim() === arguments[1]); return found.length ? found.pop() : null;",
        selector,
        label,
    )


def inline(driver: WebDriver, label: str) -> WebElement | None:
    """The newest inline button labelled ``label``."""
    return _button(driver, "#messages .inline-kb button", label)


def reply_button(driver: WebDriver, label: str) -> WebElement | None:
    return _button(driver, "#keyboard button", label)


def then(driver: WebDriver, act: Callable[[], None], expect: str, what: str) -> str:
    """Do ``act`` and wait for a new bot message that contains ``expect``; its text."""
    before = len(bubbles(driver))
    act()

    def answered(d: WebDriver) -> bool:
        now = bubbles(d)
        return len(now) > before and expect in now[-1]

    until(driver, answered, what)
    return last_bot(driver)


def say(driver: WebDriver, text: str, expect: str) -> str:
    return then(driver, lambda: send(driver, text), expect, f"the answer to «{text}»")


def tap(driver: WebDriver, label: str, expect: str) -> str:
    """Tap the newest inline button ``label``, else the reply keyboard's; wait for ``expect``."""

    def act() -> None:
        button = until(driver, lambda d: inline(d, label) or reply_button(d, label), f"the button «{label}»")
        click(driver, button)

    return then(driver, act, expect, f"the answer to «{label}»")


def vote_conflict(driver: WebDriver, code: str) -> None:
    tap(driver, "مغایرت", "مصوبه با چه چیزی مغایر است؟")
    tap(driver, "مغایرت با قانون یا مقررات", "قانون")
    say(driver, "قانون شهرداری", "بدون ماده")
    say(driver, "ماده ۵۵", "متن مستدل رأی")
    summary = say(driver, REASONING, "مستند: قانون شهرداری، ماده ۵۵")
    assert code in summary and inline(driver, "ثبت رأی") is not None


def test_an_objection_nobody_answers_is_escalated_in_the_web_chat(
    tmp_path: Path, browser: WebDriver, shots: Callable[[WebDriver, str], Path]
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]

    def shot(name: str) -> None:
        settled(browser)
        shots(browser, name)

    with SandboxThread(settings) as sandbox:
        browser.get(sandbox.url)
        until(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".person")) == 8, "the people")

        # The secretary of the Semnan city council fills the form and sends the resolution.
        open_chat(browser, 1001, "زهرا احمدی")
        say(browser, "/new", "")
        say(browser, "۱۲", "")
        say(browser, "۴۵", "")
        say(browser, "۱۴۰۵/۰۹/۰۱", "")
        say(browser, "تعیین نرخ عوارض جمع‌آوری پسماند سال ۱۴۰۶", "")
        say(browser, "ماده ۱ — نرخ عوارض پسماند واحدهای مسکونی مطابق جدول پیوست تعیین می‌شود.", "")
        tap(browser, "پایان", "")
        tap(browser, "خدمات شهری", "")
        say(browser, "۷ ۱ ۱", "")
        summary = tap(browser, "رد شدن", "تعیین نرخ عوارض")
        assert inline(browser, "ارسال") is not None or reply_button(browser, "ارسال") is not None, summary
        shot("06-secretary-summary")
        sent = tap(browser, "ارسال", "مصوبه ثبت")
        code = sent.split("\u2066", 1)[1].split("\u2069", 1)[0] if "\u2066" in sent else ""
        assert code, sent
        shot("07-secretary-sent")

        # Two members vote «مغایرت» with a law, an article and their reasoning.
        open_chat(browser, 1002, "علی رضایی")
        until(browser, lambda d: inline(d, "مغایرت") is not None, "the board's notice")
        assert [inline(browser, b) is not None for b in ("مشاهده", "عدم مغایرت")] == [True, True]
        shot("08-member-notice")
        tap(browser, "مغایرت", "مصوبه با چه چیزی مغایر است؟")
        shot("09-member-grounds")
        tap(browser, "مغایرت با قانون یا مقررات", "قانون")
        say(browser, "قانون شهرداری", "بدون ماده")
        say(browser, "ماده ۵۵", "متن مستدل رأی")
        say(browser, REASONING, "مستند: قانون شهرداری، ماده ۵۵")
        shot("10-member-vote-summary")
        tap(browser, "ثبت رأی", "رأی شما ثبت شد: مغایرت.")

        open_chat(browser, 1003, "مریم کریمی")
        until(browser, lambda d: inline(d, "مغایرت") is not None, "the board's notice")
        vote_conflict(browser, code)
        tap(browser, "ثبت رأی", "رأی شما ثبت شد: مغایرت.")
        until(browser, lambda d: "اعتراض برای شورا فرستاده شد" in last_bot(d), "the ruling")

        # The board secretary sees the ruling.
        open_chat(browser, 1006, "محمد صادقی")
        until(browser, lambda d: any("اعتراض برای شورا فرستاده شد" in t for t in bubbles(d)), "the ruling")
        shot("11-board-secretary-ruling")

        # The council's secretary receives the objection letter with its three answers.
        open_chat(browser, 1001, "زهرا احمدی")
        until(browser, lambda d: inline(d, "اصرار") is not None, "the objection letter")
        assert [inline(browser, b) is not None for b in ("اصلاح مصوبه", "لغو مصوبه")] == [True, True]
        letter = [t for t in bubbles(browser) if "قانون شهرداری، ماده ۵۵" in t]
        assert letter, bubbles(browser)
        shot("12-objection-letter")

        # Nobody answers: twenty days later the reconsideration window has closed and the sweep escalates.
        for _ in range(2):
            offset = browser.find_element(By.ID, "clock-offset").text
            browser.find_element(By.ID, "clock-10days").click()
            until(browser, lambda d, o=offset: d.find_element(By.ID, "clock-offset").text != o, "the clock")
        until(
            browser,
            lambda d: any("پاسخ نداد؛ پرونده به مرجع حل اختلاف ارجاع شد" in t for t in bubbles(d)),
            "the escalation in the secretary's chat",
        )
        until(browser, lambda d: inline(d, "اصرار") is None, "the letter's buttons to go")
        shot("13-secretary-escalated")

        # The province's official gets the case, with the final decision's buttons.
        open_chat(browser, 1007, "رضا محمدی")
        until(browser, lambda d: inline(d, "ابطال") is not None, "the official's case")
        assert inline(browser, "تأیید نهایی") is not None
        assert any("مرجع حل اختلاف" in t for t in bubbles(browser))
        shot("14-official-case")

        # The admin issues a one-time invite for a new board member.
        open_chat(browser, 1008, "نرگس جعفری")
        say(browser, "/help", "")
        say(browser, "/invite member B-SMN", "دعوت")
        shot("15-admin-invite")
        sandbox.server.assert_no_violations()
