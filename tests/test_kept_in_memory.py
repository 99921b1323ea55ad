"""What the bot keeps in memory to answer fast (a sender's person and roles, FSM state, a card's votes and
timeline, a card's facts) never shows what changed a moment ago as it was before: every act through the
conversation, the sweep, the organisation loaded again, a new binding, and a write by another program."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3

from bot.apiserver.state import SimUser
from council.roles import Role
from storage.orgfile import load_org, parse_org_file

from .conftest import SAMPLE_ORG, World
from .flows import REVIEW_DEADLINE, board, object_to, press, submit_resolution, vote_no_conflict
from .test_review import NEW_TEXT
from .test_status_queries import NOT_FOUND, card
from .test_submission import TITLE


async def test_a_status_card_asked_again_after_a_vote_shows_the_vote(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    # The official asks twice (the second answer comes from what the first one kept), then a member votes.
    first = await world.say(people.omid, res.code)
    assert first.content == card(res, votes="آرای ثبت‌شده: هنوز هیچ.\n\n")
    assert (await world.say(people.omid, res.code)).content == first.content
    await vote_no_conflict(world, people.sara)
    answer = await world.say(people.omid, res.code)
    board_votes = "آرای ثبت‌شده تا کنون (۱ از ۳ عضو):\n• سارا: عدم مغایرت\n\n"
    vote_event = "\n• ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰ — رأی سارا: عدم مغایرت"
    assert answer.content == card(res, votes=board_votes) + vote_event
    # The council's secretary, asking the same resolution, still sees no votes.
    assert (await world.say(people.zahra, res.code)).content == card(res)


# --- the card's facts (status, deadline, council, title) kept per asker's scope and tracking code


def status_line(content: str) -> str:
    return next(line for line in content.split("\n") if line.startswith("وضعیت:"))


async def asked_twice(world: World, who: SimUser, code: str) -> str:
    """Ask twice (the second answer comes from what the first one kept); both answers are the same."""
    first = (await world.say(who, code)).content
    assert (await world.say(who, code)).content == first
    return first


async def test_a_ruling_an_insistence_and_an_outcome_each_show_at_the_next_question(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    assert status_line(await asked_twice(world, people.omid, res.code)) == "وضعیت: در حال بررسی"
    await object_to(world, people, res)  # two votes of conflict: the board's ruling
    card_now = await asked_twice(world, people.omid, res.code)
    assert status_line(card_now) == "وضعیت: اعتراض هیأت تطبیق"
    await press(world, people.zahra, "اصرار")
    await press(world, people.zahra, "تأیید")
    await world.server.wait_for_idle()
    assert status_line(await asked_twice(world, people.omid, res.code)) == "وضعیت: ارجاع به مرجع حل اختلاف"
    await press(world, people.omid, "ابطال")
    await world.say(people.omid, "وضع عوارض بر کالای وارداتی خارج از اختیارات شورا است.")
    await world.server.wait_for_idle()
    assert status_line((await world.say(people.omid, res.code)).content) == "وضعیت: ابطال شده"
    # The council's secretary, within her own scope, sees the same status.
    assert status_line((await world.say(people.zahra, res.code)).content) == "وضعیت: ابطال شده"


async def test_a_revocation_shows_at_the_next_question(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    assert status_line(await asked_twice(world, people.zahra, res.code)) == "وضعیت: اعتراض هیأت تطبیق"
    await press(world, people.zahra, "لغو مصوبه")
    await press(world, people.zahra, "تأیید")
    await world.server.wait_for_idle()
    assert status_line((await world.say(people.zahra, res.code)).content) == "وضعیت: لغو شده"


async def test_an_amendment_shows_its_new_deadline_at_the_next_question(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    await asked_twice(world, people.omid, res.code)
    world.clock.advance(dt.timedelta(days=2))
    await press(world, people.zahra, "اصلاح مصوبه")
    await world.say(people.zahra, NEW_TEXT)
    await press(world, people.zahra, "پایان")
    await press(world, people.zahra, "رد شدن")
    await press(world, people.zahra, "ارسال اصلاحیه")
    await world.server.wait_for_idle()
    lines = (await world.say(people.omid, res.code)).content.split("\n")
    assert lines[4:6] == ["وضعیت: در حال بررسی", "مهلت بررسی: ۱۴۰۵/۰۹/۲۲ ساعت ۲۳:۵۹ (۱۴ روز و ۱۳ ساعت مانده)"]


async def test_the_time_left_is_fresh_and_a_lapse_by_the_sweep_shows_at_the_next_question(
    world: World,
) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    assert (await asked_twice(world, people.omid, res.code)).split("\n")[5] == (
        f"مهلت بررسی: {REVIEW_DEADLINE} (۱۵ روز و ۱۳ ساعت مانده)"
    )
    world.clock.advance(dt.timedelta(days=3, hours=2))
    assert (await world.say(people.omid, res.code)).content.split("\n")[5] == (
        f"مهلت بررسی: {REVIEW_DEADLINE} (۱۲ روز و ۱۱ ساعت مانده)"
    )
    world.clock.advance(dt.timedelta(days=13))
    assert (await world.say(people.omid, res.code)).content.split("\n")[5] == (
        f"مهلت بررسی: {REVIEW_DEADLINE} (مهلت گذشته است)"
    )
    assert (await world.app.sweep_now()).lapsed == [res.id]
    await world.server.wait_for_idle()
    assert status_line((await world.say(people.omid, res.code)).content) == "وضعیت: لازم‌الاجرا (انقضای مهلت)"


async def test_a_council_renamed_and_a_new_binding_show_at_the_next_question(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    assert (await asked_twice(world, people.omid, res.code)).split("\n")[1] == "شورا: شورای اسلامی شهر سمنان"
    # Nima, an official of another county, is told it does not exist — until he is bound over the province.
    assert (await world.say(people.nima, res.code)).content == NOT_FOUND
    assert (await world.say(people.nima, res.code)).content == NOT_FOUND
    await world.enrol(people.nima, Role.OFFICIAL, "SMN")
    assert (await world.say(people.nima, res.code)).content.split("\n")[1] == "شورا: شورای اسلامی شهر سمنان"
    # The organisation file is loaded again with the council's new name (the operator's `org load`).
    renamed = SAMPLE_ORG.read_text(encoding="utf-8").replace(
        "C-SMN-SEMNAN | شورای اسلامی شهر سمنان |", "C-SMN-SEMNAN | شورای اسلامی کلان‌شهر سمنان |"
    )
    async with world.repo_session() as session:
        await load_org(session, parse_org_file(renamed))
    assert (await world.say(people.omid, res.code)).content.split("\n")[
        1
    ] == "شورا: شورای اسلامی کلان‌شهر سمنان"


async def test_a_write_by_another_process_shows_at_the_next_question(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    assert (await asked_twice(world, people.omid, res.code)).split("\n")[3] == f"عنوان: {TITLE}"
    # Another program (no SQLAlchemy session of this process: nothing here hears of it) changes the title.
    database = world.settings.effective_database_url.removeprefix("sqlite+aiosqlite:///")
    with contextlib.closing(sqlite3.connect(database)) as other:
        other.execute(
            "UPDATE resolution_versions SET title = 'عنوان دیگر' WHERE resolution_id = ?", (res.id,)
        )
        other.commit()
    assert (await world.say(people.omid, res.code)).content.split("\n")[3] == "عنوان: عنوان دیگر"


# --- the card's words, made once per card and language: only the time left is made at each question


async def test_the_same_card_asked_in_two_languages_is_worded_in_each(world: World) -> None:
    people = await board(world)
    # A second official of the province, who reads the bot in English.
    pari = world.person(3099, "Pari")
    await world.enrol(pari, Role.OFFICIAL, "SMN")
    await world.say(pari, "/language")
    await world.press(pari, "English")
    res = await submit_resolution(world, people.zahra, people)
    persian = await asked_twice(world, people.omid, res.code)
    assert persian == card(res, votes="آرای ثبت‌شده: هنوز هیچ.\n\n")
    # The same card (the same facts and history kept for the province), asked in English.
    english = await asked_twice(world, pari, res.code)
    assert english.split("\n")[4:8] == [
        "Status: under review",
        # Numbers and dates stay in Persian digits in English too (as every English answer shows them).
        f"Review deadline: {REVIEW_DEADLINE} (۱۵ days and ۱۳ hours left)",
        "",
        "Votes so far: none.",
    ]
    world.clock.advance(dt.timedelta(hours=5))
    again = (await world.say(people.omid, res.code)).content
    assert again == persian.replace("(۱۵ روز و ۱۳ ساعت مانده)", "(۱۵ روز و ۸ ساعت مانده)")
    assert (await world.say(pari, res.code)).content == english.replace(
        "(۱۵ days and ۱۳ hours left)", "(۱۵ days and ۸ hours left)"
    )


async def test_a_late_mark_shows_under_the_deadline_at_the_next_question(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    before = await asked_twice(world, people.zahra, res.code)
    database = world.settings.effective_database_url.removeprefix("sqlite+aiosqlite:///")
    with contextlib.closing(sqlite3.connect(database)) as other:
        other.execute("UPDATE resolutions SET late = 1 WHERE id = ?", (res.id,))
        other.commit()
    deadline = f"مهلت بررسی: {REVIEW_DEADLINE} (۱۵ روز و ۱۳ ساعت مانده)"
    late = "توجه: این مصوبه پس از مهلت ارسال فرستاده می‌شود و «با تأخیر» علامت می‌خورد."
    assert await asked_twice(world, people.zahra, res.code) == before.replace(deadline, f"{deadline}\n{late}")
