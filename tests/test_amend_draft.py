"""An amendment draft is never lost by starting something else (DESIGN §4: a half-filled form survives and
can be resumed), in both platform profiles.

The council secretary answering the board's objection with «اصلاح مصوبه» may go off to /new half-way: the
amendment's draft stays, and «اصلاح مصوبه» pressed again on the same letter goes on where it was, saying
what was kept. The other way round, a resolution form left for an amendment is still offered on /new.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.apiserver.state import SimUser
from bot.app import Application
from storage.models import ResolutionVersion

from .conftest import World
from .flows import Submitted, board, object_to, press, submit_resolution
from .test_report import submit
from .test_review import amend_question
from .test_submission import COUNCIL, PDF, STEP, TEXT, TITLE, fa

PART_1 = "ماده ۱ — نرخ عوارض پسماند واحدهای مسکونی در سقف مصوب وزارت کشور تعیین می‌شود."
PART_2 = "ماده ۲ — این اصلاحیه از ابتدای سال ۱۴۰۶ اجرا می‌شود."
AMENDED = f"{PART_1}\n{PART_2}"
ATTACHMENTS_QUESTION = (
    "صورت‌جلسه امضاشده اصلاحیه را به صورت فایل PDF یا عکس بفرستید، یک یا چند فایل، و «پایان» را بزنید؛ "
    "یا برای نگه داشتن پیوست‌های فعلی «رد شدن» را بزنید."
)


def kept_note(res: Submitted) -> str:
    return (
        f"پیش‌نویس اصلاحیه مصوبه {res.shown} نگه داشته می‌شود: برای بازگشت به آن، «اصلاح مصوبه» را در "
        "نامه اعتراض هیأت دوباره بزنید."
    )


def offer(step: int) -> str:
    return (
        f"یک فرم مصوبه نیمه‌تمام دارید (در مرحله {fa(step)} از ۸). "
        "آن را ادامه می‌دهید یا پیش‌نویس را حذف می‌کنید؟"
    )


async def versions(world: World, rid: int) -> list[str]:
    async with world.repo_session() as session:
        return list(
            await session.scalars(
                sa.select(ResolutionVersion.text)
                .where(ResolutionVersion.resolution_id == rid)
                .order_by(ResolutionVersion.version_no)
            )
        )


async def test_new_during_an_amendment_keeps_its_text_and_amend_again_resumes_it(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    zahra = people.zahra
    assert (await press(world, zahra, "اصلاح مصوبه")).content == amend_question(res)
    await world.say(zahra, PART_1)
    await world.say(zahra, PART_2)

    # /new in the middle: the new form opens, and the secretary is told the amendment is kept.
    opened = await world.say(zahra, "/new")
    assert opened.content == f"{kept_note(res)}\n\nمصوبه جدید {COUNCIL}.\n\n{STEP[1]}"
    assert (await world.say(zahra, "۱۳")).content == STEP[2]

    # «اصلاح مصوبه» again on the same letter: the two parts are still there, at the text step.
    resumed = await press(world, zahra, "اصلاح مصوبه")
    assert resumed.content == (
        f"پیش‌نویس اصلاحیه مصوبه {res.shown} نگه داشته شده است: تا کنون ۲ پیام از متن "
        f"({fa(len(AMENDED))} نویسه).\n\nادامه متن را بفرستید، یا «پایان» را بزنید."
    )
    assert resumed.buttons == [["پایان", "لغو"]]
    assert (await press(world, zahra, "پایان")).content == ATTACHMENTS_QUESTION
    summary = await press(world, zahra, "رد شدن")
    assert summary.content == (
        f"اصلاحیه مصوبه {res.shown}\nمتن ({fa(len(AMENDED))} نویسه):\n{AMENDED}\nپیوست‌های تازه: ۰\n\n"
        "برای بررسی دوباره به هیأت فرستاده شود؟"
    )
    sent = await press(world, zahra, "ارسال اصلاحیه")
    assert sent.content.startswith(f"مصوبه اصلاح‌شده {res.shown} برای بررسی دوباره به هیأت فرستاده شد.")
    assert await versions(world, res.id) == [TEXT, AMENDED]
    await world.server.wait_for_idle()

    # The resolution form left at step 2 is still there for the next /new, with no amendment note now.
    again = await world.say(zahra, "/new")
    assert again.content == offer(2)
    assert again.buttons == [["ادامه", "حذف پیش‌نویس"]]
    assert (await press(world, zahra, "ادامه")).content == STEP[2]


async def test_an_amendment_left_at_its_attachments_resumes_there_with_them(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    zahra = people.zahra
    await press(world, zahra, "اصلاح مصوبه")
    await world.say(zahra, AMENDED)
    assert (await press(world, zahra, "پایان")).content == ATTACHMENTS_QUESTION
    await world.server.send_document(zahra, "eslahiyeh.pdf", PDF, "application/pdf")
    got = await world.server.wait_for_bot_message(zahra)
    assert got.content == f"پیوست ۱ دریافت شد.\n\n{ATTACHMENTS_QUESTION}"

    # The menu's «ثبت مصوبه جدید» starts the form as /new does, and tells the same.
    await world.server.press_reply_button(zahra, "ثبت مصوبه جدید")
    opened = await world.server.wait_for_bot_message(zahra)
    assert opened.content == f"{kept_note(res)}\n\nمصوبه جدید {COUNCIL}.\n\n{STEP[1]}"

    resumed = await press(world, zahra, "اصلاح مصوبه")
    assert resumed.content == (
        f"پیش‌نویس اصلاحیه مصوبه {res.shown} نگه داشته شده است: متن ({fa(len(AMENDED))} نویسه) و ۱ پیوست "
        f"تازه.\n\n{ATTACHMENTS_QUESTION}"
    )
    assert resumed.buttons == [["پایان", "لغو"]]
    summary = await press(world, zahra, "پایان")
    assert summary.content.endswith("پیوست‌های تازه: ۱\n\nبرای بررسی دوباره به هیأت فرستاده شود؟")
    sent = await press(world, zahra, "ارسال اصلاحیه")
    assert sent.content.startswith(f"مصوبه اصلاح‌شده {res.shown} برای بررسی دوباره به هیأت فرستاده شد.")
    await world.server.wait_for_idle()


async def test_a_cancelled_amendment_starts_afresh_on_amend(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    zahra = people.zahra
    await press(world, zahra, "اصلاح مصوبه")
    await world.say(zahra, PART_1)
    assert (await press(world, zahra, "لغو")).content == "لغو شد؛ چیزی ثبت نشد."
    assert (await press(world, zahra, "اصلاح مصوبه")).content == amend_question(res)

    # Pressed again with nothing typed yet, it says so, and asks for the text as at first.
    again = await press(world, zahra, "اصلاح مصوبه")
    assert again.content == (
        f"پیش‌نویس اصلاحیه مصوبه {res.shown} نگه داشته شده است؛ هنوز متنی نرسیده است.\n\n"
        + amend_question(res)
    )
    assert again.buttons == [["لغو"]]


async def test_a_resolution_form_left_for_an_amendment_is_offered_again(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    zahra = people.zahra
    await world.say(zahra, "/new")
    for answer in ["۱۳", "۴۵", "۱۴۰۵/۰۹/۰۱"]:
        reply = await world.say(zahra, answer)
    assert reply.content == STEP[4]

    # The letter's «اصلاح مصوبه» in the middle of the form: the amendment starts, the form waits.
    assert (await press(world, zahra, "اصلاح مصوبه")).content == amend_question(res)
    await world.say(zahra, PART_1)
    waiting = await world.say(zahra, "/new")
    assert waiting.content == f"{kept_note(res)}\n\n{offer(4)}"
    assert (await press(world, zahra, "ادامه")).content == STEP[4]
    assert (await world.say(zahra, TITLE)).content == STEP[5]

    # Back to the amendment, sent; then /new still offers the form, now at step 5.
    await press(world, zahra, "اصلاح مصوبه")
    await press(world, zahra, "پایان")
    await press(world, zahra, "رد شدن")
    await press(world, zahra, "ارسال اصلاحیه")
    await world.server.wait_for_idle()
    assert (await world.say(zahra, "/new")).content == offer(5)
    assert (await press(world, zahra, "ادامه")).content == STEP[5]


async def test_an_amendment_left_for_new_resumes_after_the_bot_restarts(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    await object_to(world, people, res)
    zahra = people.zahra
    await press(world, zahra, "اصلاح مصوبه")
    await world.say(zahra, PART_1)
    await world.say(zahra, "/new")

    # The bot stops and starts again (the FSM data is in the database): nothing typed is lost.
    await world.app.stop()
    app = Application(world.settings, clock=world.clock)
    await app.start(migrate=False, polling_timeout=1)
    try:
        world.app = app
        resumed = await press(world, zahra, "اصلاح مصوبه")
        assert resumed.content == (
            f"پیش‌نویس اصلاحیه مصوبه {res.shown} نگه داشته شده است: تا کنون ۱ پیام از متن "
            f"({fa(len(PART_1))} نویسه).\n\nادامه متن را بفرستید، یا «پایان» را بزنید."
        )
        assert (await world.say(zahra, PART_2)).content == (
            f"دریافت شد: تا کنون {fa(len(AMENDED))} نویسه. ادامه متن را بفرستید، یا «پایان» را بزنید."
        )
        assert (await press(world, zahra, "پایان")).content == ATTACHMENTS_QUESTION
        # The resolution form opened by /new is still there too, at its first step.
        assert (await world.say(zahra, "/new")).content == f"{kept_note(res)}\n\n{offer(1)}"
        await world.server.wait_for_idle()
    finally:
        await app.stop()


def letter_of(world: World, who: SimUser, res: Submitted) -> int:
    """The message id of the objection letter about ``res``."""
    return next(
        m.message_id
        for m in world.server.messages_to(who)
        if m.content.startswith(f"اعتراض هیأت تطبیق به مصوبه {res.shown}")
    )


async def test_amend_on_another_cases_letter_replaces_the_draft_as_before(world: World) -> None:
    people = await board(world)
    zahra = people.zahra
    first = await submit_resolution(world, zahra, people)
    await object_to(world, people, first)
    second = await submit(world, zahra, "۱۳")
    await object_to(world, people, second)  # the newest notices are the second resolution's
    await world.server.wait_until(
        lambda: any(
            m.content.startswith(f"اعتراض هیأت تطبیق به مصوبه {second.shown}")
            for m in world.server.messages_to(zahra)
        ),
        what="the second letter",
    )

    assert (await press(world, zahra, "اصلاح مصوبه", letter_of(world, zahra, first))).content == (
        amend_question(first)
    )
    await world.say(zahra, PART_1)
    # The other letter's «اصلاح مصوبه» starts that case's amendment afresh; the first draft goes, as before.
    assert (await press(world, zahra, "اصلاح مصوبه", letter_of(world, zahra, second))).content == (
        amend_question(second)
    )
    assert (await press(world, zahra, "اصلاح مصوبه", letter_of(world, zahra, first))).content == (
        amend_question(first)
    )
