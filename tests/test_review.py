"""The board rules within the legal window, in both platform profiles, with a moved clock: votes in two taps,
expert opinions, the objection letter, amendment, insistence, escalation, lapses (also across a stopped bot),
late acts refused with their reason, and buttons that go when their act is gone.

The world's clock starts on Friday 1405/09/06 10:30 Tehran. A resolution submitted then has its review
deadline at the end of Saturday 1405/09/21 (14 days end on a Friday); an objection received then must be
answered by the end of Monday 1405/09/16 (10 days).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from bot.app import Application
from storage.models import Event, Resolution, ResolutionVersion

from .conftest import World
from .flows import (
    REASONING,
    REVIEW_DEADLINE,
    Board,
    Submitted,
    board,
    object_to,
    press,
    submit_resolution,
    texts,
    vote_no_conflict,
)
from .test_submission import DIGITS, TEXT, TITLE

COUNCIL = "شورای اسلامی شهر سمنان"
REVIEW_DEADLINE_AT = dt.datetime(2026, 12, 12, 20, 29, 59, tzinfo=dt.UTC)
RECONSIDERATION_DEADLINE_AT = dt.datetime(2026, 12, 7, 20, 29, 59, tzinfo=dt.UTC)
RECONSIDERATION_DEADLINE = "۱۴۰۵/۰۹/۱۶ ساعت ۲۳:۵۹"
MEMBER_BUTTONS = [["مشاهده"], ["عدم مغایرت", "مغایرت"]]
EXPERT_BUTTONS = [["مشاهده"], ["ثبت نظر کارشناسی"]]
LETTER_BUTTONS = [["اصلاح مصوبه"], ["اصرار", "لغو مصوبه"]]
NEW_TEXT = "ماده ۱ — نرخ عوارض پسماند واحدهای مسکونی در سقف مصوب وزارت کشور تعیین می‌شود."


def card(
    res: Submitted, *, text: str = TEXT, status: str = "در حال بررسی", deadline: str = REVIEW_DEADLINE
) -> str:
    return (
        f"کد رهگیری: {res.shown}\n"
        f"شورا: {COUNCIL}\n"
        "مصوبه شماره ۱۲، جلسه ۴۵، تصویب‌شده در ۱۴۰۵/۰۹/۰۱\n"
        f"عنوان: {TITLE}\n"
        "دسته: خدمات شهری\n"
        "رأی شورا: موافق ۷، مخالف ۱، ممتنع ۱\n"
        f"وضعیت: {status}\n"
        "ارسال: ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰\n"
        f"مهلت بررسی: {deadline}\n\n"
        f"متن:\n{text}"
    )


def notice(res: Submitted) -> str:
    return "مصوبه تازه‌ای برای بررسی هیأت شما رسیده است.\n\n" + card(res)


def letter(res: Submitted) -> str:
    return (
        f"اعتراض هیأت تطبیق به مصوبه {res.shown}\n"
        f"شورا: {COUNCIL}\n"
        f"عنوان: {TITLE}\n\n"
        "به نظر هیأت، مصوبه با این موارد مغایرت دارد:\n"
        "• قانون شهرداری، ماده ۵۵\n"
        "• خارج از حدود وظایف و اختیارات شورا\n\n"
        "دلایل:\n"
        f"• {REASONING}\n\n"
        f"شورا باید در مصوبه تجدیدنظر کند و تا {RECONSIDERATION_DEADLINE} پاسخ دهد: اصلاح، لغو یا اصرار. "
        "اگر تا آن زمان پاسخی نرسد، پرونده به مرجع حل اختلاف می‌رود."
    )


def everyone_on_board(people: Board) -> list:  # type: ignore[type-arg]
    return [people.ali, people.sara, people.mina, people.reza]


def buttons_left(world: World, people: Board) -> dict[str, dict[int, list[list[str]]]]:
    """Every inline keyboard about the review still visible to the board, the secretary and the official
    (the secretary's submission form, before the resolution was sent, is not about the review)."""
    found = {}
    for who in [*everyone_on_board(people), people.zahra, people.omid]:
        messages = world.server.messages_to(who)
        sent = [i for i, m in enumerate(messages) if m.content.startswith("مصوبه ثبت")]
        visible = {m.message_id: m.buttons for m in messages[(sent[-1] if sent else 0) :] if m.buttons}
        if visible:
            found[who.first_name] = visible
    return found


async def status_row(world: World, rid: int) -> Resolution:
    async with world.repo_session() as session:
        row = await session.get(Resolution, rid)
        assert row is not None
        return row


# --- votes, opinions, the ruling


async def test_votes_in_two_taps_an_expert_opinion_and_a_majority_that_rules_once(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    for member in people.members:
        assert world.server.messages_to(member)[-1].content == notice(res)
        assert world.server.messages_to(member)[-1].buttons == MEMBER_BUTTONS
    assert world.server.messages_to(people.reza)[-1].buttons == EXPERT_BUTTONS

    # The expert's opinion: the finding, then a reasoned text (too short first).
    asked = await press(world, people.reza, "ثبت نظر کارشناسی")
    assert asked.content == f"نظر کارشناسی شما درباره مصوبه {res.shown}: آیا با قوانین مغایرت دارد؟"
    assert asked.buttons == [["عدم مغایرت", "مغایرت"], ["لغو"]]
    text_question = "متن نظر خود را بفرستید (دست‌کم ۲۰ نویسه). اعضا آن را همراه مصوبه می‌بینند."
    assert (await press(world, people.reza, "مغایرت")).content == text_question
    assert (await world.say(people.reza, "مغایر است")).content == (
        f"متن بیش از حد کوتاه است (۹ نویسه)؛ باید ۲۰ تا ۱۰۰۰۰ نویسه باشد.\n\n{text_question}"
    )
    assert (await world.say(people.reza, REASONING)).content == (
        "نظر کارشناسی شما ثبت شد؛ اعضای هیأت آن را همراه مصوبه می‌بینند."
    )

    # A member opens it: the card, the expert's opinion, no votes yet; the voting buttons come along.
    opened = await press(world, people.sara, "مشاهده")
    assert opened.content == (
        card(res)
        + f"\n\nنظرهای کارشناسی (غیر الزام‌آور):\n• نظر رضا: مغایرت — {REASONING}\n\nآرای ثبت‌شده: هنوز هیچ."
    )
    assert opened.buttons == [["عدم مغایرت", "مغایرت"]]
    stale_no_conflict = opened.find_button("عدم مغایرت")
    assert stale_no_conflict is not None

    # No conflict in two taps.
    confirm = await press(world, people.sara, "عدم مغایرت")
    assert confirm.content == f"رأی شما درباره مصوبه {res.shown}: عدم مغایرت. تأیید می‌کنید؟"
    assert confirm.buttons == [["تأیید", "لغو"]]
    assert (await press(world, people.sara, "تأیید")).content == "رأی شما ثبت شد: عدم مغایرت."

    # Conflict: the grounds, the law and its article, the reasoning, and a confirmation.
    grounds = await press(world, people.mina, "مغایرت")
    assert grounds.content == f"رأی «مغایرت» برای مصوبه {res.shown}: مصوبه با چه چیزی مغایر است؟"
    assert grounds.buttons == [
        ["مغایرت با قانون یا مقررات"],
        ["خارج از حدود وظایف و اختیارات شورا"],
        ["لغو"],
    ]
    law = await press(world, people.mina, "مغایرت با قانون یا مقررات")
    assert law.content == "نام قانون یا مقرراتی را که مصوبه با آن مغایر است بفرستید."
    article = await world.say(people.mina, "قانون شهرداری")
    assert (
        article.content
        == "ماده‌ای را که مصوبه با آن مغایر است بفرستید (مثلاً «ماده ۵۵»)، یا «بدون ماده» را بزنید."
    )
    assert article.buttons == [["بدون ماده", "لغو"]]
    reasoning_question = "متن مستدل رأی خود را بفرستید: مصوبه با کدام حکم مغایر است و چرا (دست‌کم ۲۰ نویسه)."
    assert (await world.say(people.mina, "ماده ۵۵")).content == reasoning_question
    summary = await world.say(people.mina, REASONING)
    assert summary.content == (
        f"رأی شما درباره مصوبه {res.shown}: مغایرت\nمستند: قانون شهرداری، ماده ۵۵\nاستدلال: {REASONING}\n\n"
        "این رأی ثبت شود؟"
    )
    assert summary.buttons == [["ثبت رأی", "لغو"]]
    assert (await press(world, people.mina, "ثبت رأی")).content == "رأی شما ثبت شد: مغایرت."

    # Votes so far, as a member sees them.
    opened = await press(world, people.ali, "مشاهده")
    assert opened.content.endswith(
        "آرای ثبت‌شده تا کنون (۲ از ۳ عضو):\n• سارا: عدم مغایرت\n"
        f"• مینا: مغایرت — قانون شهرداری، ماده ۵۵ — {REASONING}"
    )

    # The second no-conflict vote of three seats makes the ruling.
    assert (await vote_no_conflict(world, people.ali)).content == "رأی شما ثبت شد: عدم مغایرت."
    await world.server.wait_for_idle()
    ruling = f"رأی هیأت درباره مصوبه {res.shown}: عدم مغایرت. مصوبه لازم‌الاجرا است."
    for who in [*everyone_on_board(people), people.zahra]:
        assert texts(world, who).count(ruling) == 1
    assert buttons_left(world, people) == {}
    assert (await status_row(world, res.id)).status == "enforceable"

    # A button pressed from before the ruling (a stale client) is refused with the reason.
    assert stale_no_conflict is not None
    query = await world.server.send_callback_data(
        people.sara.id, stale_no_conflict["callback_data"], people.sara.id, opened.message_id
    )
    await world.server.wait_until(lambda: query in world.server.callback_answers)
    refused = await world.server.wait_for_bot_message(people.sara)
    assert refused.content == f"این کار دیگر ممکن نیست: وضعیت مصوبه {res.shown} اکنون «لازم‌الاجرا» است."


# --- objection, amendment, a new cycle


async def test_objection_then_amendment_opens_a_new_cycle_that_ends_in_no_conflict(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    objected = (
        f"رأی هیأت درباره مصوبه {res.shown}: مغایرت. "
        "اعتراض برای شورا فرستاده شد و شورا باید در مصوبه تجدیدنظر کند."
    )
    for who in everyone_on_board(people):
        assert texts(world, who)[-1] == objected
    received = world.server.messages_to(people.zahra)[-1]
    assert received.content == letter(res)
    assert received.buttons == LETTER_BUTTONS
    assert buttons_left(world, people) == {"زهرا": {received.message_id: LETTER_BUTTONS}}

    # Two days later (Sunday 1405/09/08) the council amends the text.
    world.clock.advance(dt.timedelta(days=2))
    asked = await press(world, people.zahra, "اصلاح مصوبه")
    assert asked.content == amend_question(res)
    part = await world.say(people.zahra, NEW_TEXT)
    assert part.buttons == [["پایان", "لغو"]]
    attachments = await press(world, people.zahra, "پایان")
    assert attachments.content.startswith("صورت‌جلسه امضاشده اصلاحیه را")
    summary = await press(world, people.zahra, "رد شدن")
    length = str(len(NEW_TEXT)).translate(DIGITS)
    assert summary.content == (
        f"اصلاحیه مصوبه {res.shown}\nمتن ({length} نویسه):\n{NEW_TEXT}\nپیوست‌های تازه: ۰\n\n"
        "برای بررسی دوباره به هیأت فرستاده شود؟"
    )
    sent = await press(world, people.zahra, "ارسال اصلاحیه")
    assert sent.content == (
        f"مصوبه اصلاح‌شده {res.shown} برای بررسی دوباره به هیأت فرستاده شد. مهلت بررسی: ۱۴۰۵/۰۹/۲۲ ساعت ۲۳:۵۹"
    )
    await world.server.wait_for_idle()

    # The board gets the amended text for cycle 2, with a fresh deadline; earlier versions stay viewable.
    renotice = world.server.messages_to(people.sara)[-1]
    assert renotice.content == (
        f"شورا مصوبه {res.shown} را پس از اعتراض هیأت اصلاح کرد؛ متن اصلاح‌شده (نسخه ۲) برای بررسی دوباره "
        "رسیده است.\n\n" + card(res, text=NEW_TEXT, deadline="۱۴۰۵/۰۹/۲۲ ساعت ۲۳:۵۹")
    )
    assert renotice.buttons == [*MEMBER_BUTTONS, ["نسخه‌های پیشین"]]
    earlier = await press(world, people.sara, "نسخه‌های پیشین")
    assert (
        earlier.content == f"نسخه ۱ مصوبه {res.shown}، مورخ ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰:\nعنوان: {TITLE}\n\n{TEXT}"
    )
    assert world.server.messages_to(people.zahra)[-2].buttons == []  # the letter lost its buttons

    await vote_no_conflict(world, people.sara)
    await vote_no_conflict(world, people.mina)
    await world.server.wait_for_idle()
    ruling = f"رأی هیأت درباره مصوبه {res.shown}: عدم مغایرت. مصوبه لازم‌الاجرا است."
    assert texts(world, people.zahra)[-1] == ruling
    row = await status_row(world, res.id)
    assert (row.status, row.cycle) == ("enforceable", 2)
    assert buttons_left(world, people) == {}


def amend_question(res: Submitted) -> str:
    return (
        f"متن اصلاح‌شده مصوبه {res.shown} را بفرستید. متن بلند را می‌توانید در چند پیام بفرستید و پس از "
        "آخرین پیام «پایان» را بزنید. می‌توانید متن را به صورت فایل .txt یا .pdf هم بفرستید."
    )


async def test_the_amended_text_may_come_as_a_file_read_like_the_submission_forms(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    assert (await press(world, people.zahra, "اصلاح مصوبه")).content == amend_question(res)
    typed = await world.say(people.zahra, "ماده ۱ — متنی که نیمه‌کاره ماند")
    assert typed.buttons == [["پایان", "لغو"]]

    # A file of another kind is refused as the submission form refuses it; what was typed stays.
    await world.server.send_document(people.zahra, "matn.docx", b"PK\x03\x04", "application/msword")
    refused = await world.server.wait_for_bot_message(people.zahra)
    assert refused.content == (
        "متن را فقط به صورت فایل .txt یا .pdf می‌توان فرستاد.\n\n" + amend_question(res)
    )
    assert refused.buttons == [["پایان", "لغو"]]
    await world.server.send_document(people.zahra, "short.txt", "کوتاه".encode(), "text/plain")
    too_short = await world.server.wait_for_bot_message(people.zahra)
    assert too_short.content == (
        "متن بیش از حد کوتاه است (۵ نویسه)؛ باید ۱۰ تا ۲۰۰۰۰ نویسه باشد.\n\n" + amend_question(res)
    )

    # A .txt file replaces what was typed, and the form goes on to the attachments.
    await world.server.send_document(people.zahra, "eslahiyeh.txt", NEW_TEXT.encode(), "text/plain")
    attachments = await world.server.wait_for_bot_message(people.zahra)
    assert attachments.content.startswith("صورت‌جلسه امضاشده اصلاحیه را")
    summary = await press(world, people.zahra, "رد شدن")
    length = str(len(NEW_TEXT)).translate(DIGITS)
    assert summary.content == (
        f"اصلاحیه مصوبه {res.shown}\nمتن ({length} نویسه):\n{NEW_TEXT}\nپیوست‌های تازه: ۰\n\n"
        "برای بررسی دوباره به هیأت فرستاده شود؟"
    )
    sent = await press(world, people.zahra, "ارسال اصلاحیه")
    assert sent.content.startswith(f"مصوبه اصلاح‌شده {res.shown} برای بررسی دوباره به هیأت فرستاده شد.")
    async with world.repo_session() as session:
        versions = list(
            await session.scalars(
                sa.select(ResolutionVersion.text)
                .where(ResolutionVersion.resolution_id == res.id)
                .order_by(ResolutionVersion.version_no)
            )
        )
    assert versions == [TEXT, NEW_TEXT]
    await world.server.wait_for_idle()


# --- insistence and escalation


async def test_objection_then_insistence_escalates_and_the_official_annuls_it(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    confirm = await press(world, people.zahra, "اصرار")
    assert confirm.content == (
        f"شورا بر مصوبه {res.shown} بدون تغییر اصرار دارد؟ پرونده به مرجع حل اختلاف می‌رود."
    )
    assert confirm.buttons == [["تأیید", "لغو"]]
    assert (await press(world, people.zahra, "تأیید")).content == "پاسخ شما ثبت شد."
    await world.server.wait_for_idle()

    escalated = (
        f"شورا بر مصوبه {res.shown} اصرار کرد؛ پرونده به مرجع حل اختلاف ارجاع شد.\n"
        "مهلت مرجع حل اختلاف: ۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹"
    )
    for who in [*everyone_on_board(people), people.zahra]:
        assert escalated in texts(world, who)
    # The official's copy comes with the card, read after the others are sent: waited for, not idled for
    # (under load that read can outlast the idle check's quiet tenth of a second).
    case = await world.server.wait_for_bot_message(people.omid, lambda m: escalated in m.content)
    assert case.content == escalated + "\n\n" + card(res, status="ارجاع به مرجع حل اختلاف")
    assert case.buttons == [["تأیید نهایی", "ابطال"]]
    # The official of another county does not cover Semnan.
    assert not any("مرجع حل اختلاف" in t for t in texts(world, people.nima))

    question = f"نتیجه نهایی «ابطال شده» برای مصوبه {res.shown}: یادداشتی با ذکر دلایل بفرستید."
    assert (await press(world, people.omid, "ابطال")).content == question
    assert (await world.say(people.omid, "نه")).content == (
        f"متن بیش از حد کوتاه است (۲ نویسه)؛ باید ۵ تا ۴۰۰۰ نویسه باشد.\n\n{question}"
    )
    note = "وضع عوارض بر کالای وارداتی خارج از اختیارات شورا است."
    assert (await world.say(people.omid, note)).content == "نتیجه نهایی ثبت شد."
    await world.server.wait_for_idle()
    outcome = f"نتیجه نهایی مرجع حل اختلاف درباره مصوبه {res.shown}: ابطال شده.\nیادداشت: {note}"
    for who in [*everyone_on_board(people), people.zahra, people.omid]:
        assert texts(world, who)[-1] == outcome
    assert (await status_row(world, res.id)).status == "annulled"
    assert buttons_left(world, people) == {}


async def test_an_unanswered_objection_escalates_when_the_window_closes_and_a_late_answer_is_refused(
    world: World,
) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    world.clock.set(RECONSIDERATION_DEADLINE_AT + dt.timedelta(minutes=1))

    # Before any sweep ran: the answer comes too late and is refused with the deadline; its buttons go.
    refused = await press(world, people.zahra, "اصرار")
    assert refused.content == (
        f"مهلت قانونی پاسخ شورا درباره مصوبه {res.shown} در {RECONSIDERATION_DEADLINE} به پایان رسید؛ "
        "دیگر پاسخی پذیرفته نمی‌شود."
    )
    assert world.server.messages_to(people.zahra)[-2].buttons == []

    report = await world.app.sweep_now()
    assert (report.lapsed, report.escalated) == ([], [res.id])
    await world.server.wait_for_idle()
    escalated = (
        f"شورا در مهلت مقرر به اعتراض درباره مصوبه {res.shown} پاسخ نداد؛ "
        "پرونده به مرجع حل اختلاف ارجاع شد.\n"
        "مهلت مرجع حل اختلاف: ۱۴۰۵/۱۰/۰۱ ساعت ۲۳:۵۹"
    )
    for who in [*everyone_on_board(people), people.zahra]:
        assert texts(world, who)[-1] == escalated
    assert world.server.messages_to(people.omid)[-1].buttons == [["تأیید نهایی", "ابطال"]]
    row = await status_row(world, res.id)
    assert (row.status, row.status_at) == ("escalated", RECONSIDERATION_DEADLINE_AT)
    assert (await world.app.sweep_now()).escalated == []  # once


# --- lapses


async def test_a_late_vote_is_refused_with_the_deadline_and_the_lapse_removes_every_button(
    world: World,
) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    # sara prepares a conflict vote in time; the clock passes the deadline before she confirms it.
    await press(world, people.sara, "مغایرت")
    await press(world, people.sara, "خارج از حدود وظایف و اختیارات شورا")
    await world.say(people.sara, REASONING)
    world.clock.set(REVIEW_DEADLINE_AT + dt.timedelta(seconds=1))

    closed = (
        f"مهلت قانونی بررسی مصوبه {res.shown} در {REVIEW_DEADLINE} به پایان رسید؛ "
        "دیگر رأی یا نظری پذیرفته نمی‌شود."
    )
    assert (await press(world, people.sara, "ثبت رأی")).content == closed
    assert (await press(world, people.mina, "عدم مغایرت")).content == closed
    assert world.server.messages_to(people.mina)[-2].buttons == []  # the pressed notice lost its buttons
    assert (await press(world, people.reza, "ثبت نظر کارشناسی")).content == closed

    report = await world.app.sweep_now()
    assert report.lapsed == [res.id]
    await world.server.wait_for_idle()
    lapsed = (
        f"مهلت بررسی مصوبه {res.shown} در {REVIEW_DEADLINE} بدون رأی مغایرت به پایان رسید. "
        "مصوبه به علت انقضای مهلت لازم‌الاجرا است."
    )
    for who in [*everyone_on_board(people), people.zahra]:
        assert texts(world, who)[-1] == lapsed
    assert buttons_left(world, people) == {}
    row = await status_row(world, res.id)
    assert (row.status, row.status_at) == ("enforceable_lapsed", REVIEW_DEADLINE_AT)
    async with world.repo_session() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(sa.text("votes"))) == 0


async def test_a_lapse_across_a_stopped_bot_is_processed_at_start_up_stamped_with_the_deadline(
    world: World,
) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await world.app.stop()
    world.clock.set(REVIEW_DEADLINE_AT + dt.timedelta(days=2, hours=3))

    app = Application(world.settings, clock=world.clock)
    await app.start(migrate=False, polling_timeout=1)
    try:
        await world.server.wait_until(
            lambda: any("انقضای مهلت" in t for t in texts(world, people.zahra)), what="the lapse notice"
        )
        row = await status_row(world, res.id)
        assert (row.status, row.status_at) == ("enforceable_lapsed", REVIEW_DEADLINE_AT)
        async with world.repo_session() as session:
            event = (
                await session.scalars(
                    sa.select(Event).where(Event.resolution_id == res.id).order_by(Event.id.desc())
                )
            ).first()
        assert event is not None and (event.kind, event.at) == ("lapsed", REVIEW_DEADLINE_AT)
        assert event.payload["processed_at"] == world.clock.now().isoformat()
        await world.server.wait_for_idle()
        assert buttons_left(world, people) == {}
        # The restarted bot refuses a late vote with the deadline.
        world.app = app
        assert (await world.say(people.ali, "/help")).content  # the bot answers again
    finally:
        await app.stop()
