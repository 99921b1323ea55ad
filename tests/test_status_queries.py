"""Status by message (issue 6), in both platform profiles: a bare tracking code, ``/status CODE`` and
«وضعیت مصوبه ۱۲ شورای …» answer with the card (deadline with time left, votes to those allowed, the
timeline in Jalali); council names match despite ي/ك and typos; an ambiguous name asks with buttons; and
everything outside one's scope is answered exactly like something that does not exist.

The clock stands at Friday 1405/09/06 10:30 Tehran; the review deadline is 1405/09/21 23:59.
"""

from __future__ import annotations

import pytest

from council.roles import Role
from council.submission import damm_check_digit
from handlers import status as status_handlers

from .conftest import World
from .flows import (
    REVIEW_DEADLINE,
    Submitted,
    board,
    press,
    submit_resolution,
    texts,
    vote_conflict,
    vote_no_conflict,
)
from .test_submission import DIGITS, TITLE

NOT_FOUND = "مصوبه‌ای با این مشخصات پیدا نشد."
TIMELINE_SUBMITTED = "• ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰ — ارسال به هیأت تطبیق توسط {who}"


def missing_code() -> str:
    """A tracking code with a valid check digit that no resolution has."""
    body = "9999999"
    return f"{body[:4]}-{body[4:]}{damm_check_digit(body)}"


def card(
    res: Submitted, *, council: str = "شورای اسلامی شهر سمنان", who: str = "زهرا", votes: str = ""
) -> str:
    head = (
        f"کد رهگیری: {res.shown}\n"
        f"شورا: {council}\n"
        "مصوبه شماره ۱۲، جلسه ۴۵، تصویب‌شده در ۱۴۰۵/۰۹/۰۱\n"
        f"عنوان: {TITLE}\n"
        "وضعیت: در حال بررسی\n"
        f"مهلت بررسی: {REVIEW_DEADLINE} (۱۵ روز و ۱۳ ساعت مانده)\n\n"
    )
    return head + votes + "رویدادها:\n" + TIMELINE_SUBMITTED.format(who=who)


async def test_status_by_code_command_and_persian_question(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    plain = res.code.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))

    # The secretary: a bare code (Persian digits), /status with Latin digits, and the question in words
    # with Arabic ي and a typo in the city's name. No votes for the council's secretary.
    assert (await world.say(people.zahra, res.code)).content == card(res)
    assert (await world.say(people.zahra, f"/status {plain}")).content == card(res)
    assert (await world.say(people.zahra, "وضعيت مصوبه ۱۲ شوراي شهر سمنن؟")).content == card(res)

    # A member votes; the official of the province and the board see the vote, the secretary does not.
    await vote_no_conflict(world, people.sara)
    board_votes = "آرای ثبت‌شده تا کنون (۱ از ۳ عضو):\n• سارا: عدم مغایرت\n\n"
    vote_event = "\n• ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰ — رأی سارا: عدم مغایرت"
    for who in (people.omid, people.ali, people.reza):
        answer = await world.say(who, "وضعیت مصوبه ۱۲ شورای شهر سمنان")
        assert answer.content == card(res, votes=board_votes) + vote_event
    assert (await world.say(people.zahra, res.code)).content == card(res)

    # A mistyped code is answered as such, not searched for.
    wrong = plain[:-1] + str((int(plain[-1]) + 1) % 10)
    assert (await world.say(people.zahra, wrong)).content == (
        "این کد رهگیری معتبر نیست؛ ارقام آن را بررسی کنید و دوباره بفرستید."
    )


async def test_an_ambiguous_council_name_asks_which_one_with_buttons(world: World) -> None:
    people = await board(world)
    # «اب» begins both «روستای ابر» and «روستای ابرسج» in the province.
    asked = await world.say(people.omid, "وضعیت مصوبه ۱۲ شورای اب")
    assert asked.content == "منظورتان مصوبه ۱۲ کدام شوراست؟"
    assert asked.buttons == [["شورای اسلامی روستای ابر"], ["شورای اسلامی روستای ابرسج"]]
    assert (await press(world, people.omid, "شورای اسلامی روستای ابرسج")).content == NOT_FOUND
    # The same words from the secretary of Semnan name nothing within her scope: no names are revealed.
    assert (await world.say(people.zahra, "وضعیت مصوبه ۱۲ شورای اب")).content == NOT_FOUND
    assert not world.server.messages_to(people.zahra)[-1].buttons

    # The number alone, seen from the province, where two councils have a resolution 12: which one?
    hasan = world.person(1002, "حسن")
    await world.enrol(hasan, Role.SECRETARY, "C-SHR-SHAHRUD")
    semnan = await submit_resolution(world, people.zahra)
    shahrud = await submit_resolution(world, hasan)
    asked = await world.say(people.omid, "وضعیت مصوبه ۱۲")
    assert asked.buttons == [["شورای اسلامی شهر سمنان"], ["شورای اسلامی شهر شاهرود"]]
    chosen = await press(world, people.omid, "شورای اسلامی شهر شاهرود")
    assert chosen.content == card(
        shahrud, council="شورای اسلامی شهر شاهرود", who="حسن", votes="آرای ثبت‌شده: هنوز هیچ.\n\n"
    )
    # The secretary of Semnan has only her own.
    assert (await world.say(people.zahra, "وضعیت مصوبه ۱۲")).content == card(semnan)


async def test_every_role_is_refused_outside_its_scope_exactly_as_for_a_missing_resolution(
    world: World,
) -> None:
    people = await board(world)
    hasan = world.person(1002, "حسن")
    await world.enrol(hasan, Role.SECRETARY, "C-SHR-SHAHRUD")
    semnan = await submit_resolution(world, people.zahra)
    shahrud = await submit_resolution(world, hasan)
    missing = missing_code().translate(DIGITS)
    # Who, and a resolution outside their scope (with its council's name as they would type it).
    outside = {
        "secretary": (people.zahra, shahrud, "شاهرود"),
        "member": (people.sara, shahrud, "شاهرود"),
        "expert": (people.reza, shahrud, "شاهرود"),
        "board secretary": (people.ali, shahrud, "شاهرود"),
        "county official": (people.nima, semnan, "سمنان"),
        "other council's secretary": (hasan, semnan, "سمنان"),
    }
    for role, (who, res, city) in outside.items():
        asked = [
            res.code,
            f"/status {res.code}",
            f"وضعیت مصوبه ۱۲ شورای شهر {city}",
            # The missing ones: a code nobody has, a number no council in scope has, a council nowhere.
            missing,
            f"/status {missing}",
            "وضعیت مصوبه ۹۹۹",
            "وضعیت مصوبه ۱۲ شورای شهر ناکجاآباد",
        ]
        before = len(world.server.messages_to(who))
        for text in asked:
            await world.say(who, text)
        answers = texts(world, who, before)
        assert answers == [NOT_FOUND] * len(asked), role
        assert not any(m.buttons for m in world.server.messages_to(who)[before:]), role
    # The province's official sees both.
    assert (await world.say(people.omid, shahrud.code)).content.startswith(f"کد رهگیری: {shahrud.shown}")
    assert (await world.say(people.omid, semnan.code)).content.startswith(f"کد رهگیری: {semnan.shown}")


async def test_pending_lists_what_waits_for_each_person(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    line = f"۱. {res.shown} — شورای اسلامی شهر سمنان، شماره ۱۲ — {TITLE}\n"
    head = "منتظر شما، به ترتیب نزدیک‌ترین مهلت:\n"
    review_due = f"تا {REVIEW_DEADLINE} (۱۵ روز و ۱۳ ساعت مانده)"
    nothing = "اکنون کاری منتظر شما نیست."
    assert (await world.say(people.sara, "/pending")).content == head + line + f"   رأی شما: {review_due}"
    assert (await world.say(people.reza, "/pending")).content == (
        head + line + f"   نظر کارشناسی شما: {review_due}"
    )
    # ali is a member and the board's secretary: the resolution is listed once, for his vote.
    assert (await world.say(people.ali, "/pending")).content == head + line + f"   رأی شما: {review_due}"
    for who in (people.zahra, people.omid, people.nima):
        assert (await world.say(who, "/pending")).content == nothing

    await vote_no_conflict(world, people.sara)
    assert (await world.say(people.sara, "/pending")).content == nothing

    # ali and mina vote conflict: the board objects, and the council secretary is waited on.
    await vote_conflict(world, people.ali)
    await vote_conflict(world, people.mina, law=None)
    await world.server.wait_for_idle()
    answer_due = "تا ۱۴۰۵/۰۹/۱۶ ساعت ۲۳:۵۹ (۱۰ روز و ۱۳ ساعت مانده)"
    assert (await world.say(people.zahra, "/pending")).content == (
        head + line + f"   پاسخ شورای شما به اعتراض: {answer_due}"
    )
    assert (await world.say(people.ali, "/pending")).content == nothing


async def test_too_many_councils_with_the_number_ask_for_the_name_instead_of_buttons(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await board(world)
    hasan = world.person(1002, "حسن")
    await world.enrol(hasan, Role.SECRETARY, "C-SHR-SHAHRUD")
    await submit_resolution(world, people.zahra)
    await submit_resolution(world, hasan)
    # Two councils stand here for the thousands a nation-wide official would see.
    monkeypatch.setattr(status_handlers, "MAX_CHOICES", 1)
    asked = await world.say(people.omid, "وضعیت مصوبه ۱۲")
    assert asked.content == (
        "۲ شورا در حوزهٔ شما مصوبه‌ای با شماره ۱۲ دارند. نام شورا را هم بنویسید، "
        "برای نمونه: «وضعیت مصوبه ۱۲ شورای شهر سمنان»."
    )
    assert asked.buttons == []
