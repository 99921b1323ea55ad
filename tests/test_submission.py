"""A secretary submits a resolution from the chat, in both platform profiles: the guided form, its checks,
back / edit / cancel, resuming a draft, sending once, the board's notice, and /mine.

The world's clock stands at Friday 1405/09/06 10:30 Tehran; the Semnan city council has 9 seats and
reports to board B-SMN.
"""

from __future__ import annotations

import dataclasses
import struct
import zlib

import sqlalchemy as sa

from bot.apiserver.state import SimMessage, SimUser
from council.roles import Role
from council.rules import LateSubmissionPolicy
from storage.models import Attachment, Event, Resolution, ResolutionVersion

from .conftest import World

COUNCIL = "شورای اسلامی شهر سمنان"
STEP = {
    1: "مرحله ۱ از ۸: شماره مصوبه\nشماره مصوبه در شورا را بفرستید، مثلاً ۱۲ یا ۱۲/۳.",
    2: "مرحله ۲ از ۸: شماره جلسه\nشماره جلسه‌ای از شورا را که مصوبه در آن تصویب شد بفرستید.",
    3: "مرحله ۳ از ۸: تاریخ تصویب\nتاریخ تصویب را به صورت سال/ماه/روز بفرستید (مثلاً ۱۴۰۵/۰۹/۰۱)، "
    "یا آن را در تقویم انتخاب کنید.",
    4: "مرحله ۴ از ۸: عنوان\nعنوان مصوبه را بفرستید (۵ تا ۲۰۰ نویسه).",
    5: "مرحله ۵ از ۸: متن\nمتن کامل مصوبه را بفرستید. متن بلند را می‌توانید در چند پیام بفرستید و پس از "
    "آخرین پیام «پایان» را بزنید. می‌توانید متن را به صورت فایل .txt یا .pdf هم بفرستید.",
    6: "مرحله ۶ از ۸: دسته\nدسته مصوبه را انتخاب کنید.",
    7: "مرحله ۷ از ۸: رأی شورا\nرأی شورا را به صورت سه عدد بفرستید: موافق، مخالف، ممتنع (مثلاً ۷ ۱ ۱). "
    "شورا ۹ عضو دارد.",
    8: "مرحله ۸ از ۸: پیوست‌ها\nصورت‌جلسه امضاشده را به صورت فایل PDF یا عکس بفرستید؛ یک یا چند فایل. "
    "در پایان «پایان» را بزنید، یا اگر پیوستی ندارید «رد شدن» را.",
}
TITLE = "تعیین نرخ عوارض جمع‌آوری پسماند سال ۱۴۰۶"
TEXT_1 = "ماده ۱ — نرخ عوارض پسماند واحدهای مسکونی مطابق جدول پیوست تعیین می‌شود."
TEXT_2 = "ماده ۲ — این مصوبه از ابتدای سال ۱۴۰۶ اجرا می‌شود."
TEXT = f"{TEXT_1}\n{TEXT_2}"
NAV = ["بازگشت", "لغو"]
CATEGORIES = [
    ["عمرانی", "فرهنگی و اجتماعی"],
    ["اقتصادی و سرمایه‌گذاری", "مالی و بودجه"],
    ["خدمات شهری", "اداری و استخدامی"],
    ["سایر"],
]
SUMMARY_BUTTONS = [
    ["ویرایش شماره مصوبه", "ویرایش شماره جلسه"],
    ["ویرایش تاریخ تصویب", "ویرایش عنوان"],
    ["ویرایش متن", "ویرایش دسته"],
    ["ویرایش رأی شورا", "ویرایش پیوست‌ها"],
    ["ارسال", "لغو"],
]
CANCELLED = "فرم لغو شد؛ چیزی ارسال نشد."
PDF = b"%PDF-1.4\n% signed minutes\n" + b"0" * 2000
DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
GUIDANCE = "در این مرحله {what} لازم است. استیکر، پیام صوتی، موقعیت مکانی و مانند آن‌ها اینجا به کار نمی‌آید."


def fa(value: object) -> str:
    return str(value).translate(DIGITS)


def png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def refused(reason: str, step: int) -> str:
    return f"{reason}\n\n{STEP[step]}"


def summary(
    *,
    number: str = "۱۲",
    session: str = "۴۵",
    date: str = "۱۴۰۵/۰۹/۰۱",
    title: str = TITLE,
    text: str = TEXT,
    category: str = "خدمات شهری",
    votes: str = "موافق ۷، مخالف ۱، ممتنع ۱",
    attachments: int = 0,
    late: bool = False,
) -> str:
    digits = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    lines = [
        "مصوبه را پیش از ارسال بررسی کنید:",
        f"شورا: {COUNCIL}",
        f"شماره مصوبه: {number}",
        f"شماره جلسه: {session}",
        f"تاریخ تصویب: {date}",
        f"عنوان: {title}",
        f"متن ({str(len(text)).translate(digits)} نویسه): {text}",
        f"دسته: {category}",
        f"رأی شورا: {votes}",
        f"پیوست‌ها: {str(attachments).translate(digits)}",
    ]
    if late:
        lines.append("توجه: این مصوبه پس از مهلت ارسال فرستاده می‌شود و «با تأخیر» علامت می‌خورد.")
    return "\n".join([*lines, "", "هر بخش را با دکمه‌اش ویرایش کنید، یا «ارسال» را بزنید."])


async def answer(world: World, who: SimUser, text: str) -> str:
    return (await world.say(who, text)).content


async def press(world: World, who: SimUser, label: str) -> SimMessage:
    """Press ``label`` and return the bot's next new message."""
    await world.press(who, label)
    return await world.server.wait_for_bot_message(who)


async def secretary(world: World, user_id: int = 1001) -> SimUser:
    zahra = world.person(user_id, "زهرا")
    await world.enrol(zahra, Role.SECRETARY, "C-SMN-SEMNAN")
    return zahra


async def open_form(world: World, who: SimUser) -> SimMessage:
    await world.server.press_reply_button(who, "ثبت مصوبه جدید")
    return await world.server.wait_for_bot_message(who)


async def fill(world: World, who: SimUser, *, through: int = 8) -> str:
    """Answer the form's steps 1..``through`` with the usual answers; the last reply's text."""
    await open_form(world, who)
    steps = [
        lambda: answer(world, who, "۱۲"),
        lambda: answer(world, who, "۴۵"),
        lambda: answer(world, who, "۱۴۰۵/۰۹/۰۱"),
        lambda: answer(world, who, TITLE),
        lambda: text_in_two_parts(world, who),
        lambda: pressed(world, who, "خدمات شهری"),
        lambda: answer(world, who, "۷ ۱ ۱"),
        lambda: pressed(world, who, "رد شدن"),
    ]
    reply = ""
    for step in steps[:through]:
        reply = await step()
    return reply


async def pressed(world: World, who: SimUser, label: str) -> str:
    return (await press(world, who, label)).content


async def text_in_two_parts(world: World, who: SimUser) -> str:
    await answer(world, who, TEXT_1)
    await answer(world, who, TEXT_2)
    return await answer(world, who, "پایان")


async def submit(world: World, who: SimUser, number: str) -> None:
    """Fill the form with the usual answers but resolution ``number``, and send it."""
    await fill(world, who)
    await pressed(world, who, "ویرایش شماره مصوبه")
    assert await answer(world, who, number) == summary(number=fa(number))
    assert (await press(world, who, "ارسال")).content.startswith("مصوبه ثبت و برای هیأت تطبیق ارسال شد.")


async def resolutions(world: World) -> list[Resolution]:
    async with world.repo_session() as session:
        return list(await session.scalars(sa.select(Resolution).order_by(Resolution.id)))


# --- the whole form


async def test_a_full_submission_with_a_picked_date_and_two_attachments_reaches_the_board_once(
    world: World,
) -> None:
    zahra = await secretary(world)
    # The board: ali is a member and also its secretary; sara a member; reza the expert.
    ali, sara, reza = world.person(2001, "علی"), world.person(2002, "سارا"), world.person(2003, "رضا")
    await world.enrol(ali, Role.MEMBER, "B-SMN")
    await world.enrol(ali, Role.BOARD_SECRETARY, "B-SMN")
    await world.enrol(sara, Role.MEMBER, "B-SMN")
    await world.enrol(reza, Role.EXPERT, "B-SMN")
    other = world.person(2004, "نیما")
    await world.enrol(other, Role.MEMBER, "B-SHR")

    first = await open_form(world, zahra)
    assert first.content == f"مصوبه جدید {COUNCIL}.\n\n{STEP[1]}"
    assert first.buttons == [["لغو"]]
    assert await answer(world, zahra, "12") == STEP[2]
    calendar = await world.say(zahra, "۴۵")
    assert calendar.content == STEP[3]
    assert calendar.buttons[:3] == [
        ["‹ ماه قبل", "آذر ۱۴۰۵", "ماه بعد ›"],
        ["ش", "ی", "د", "س", "چ", "پ", "ج"],
        ["·", "۱", "۲", "۳", "۴", "۵", "۶"],
    ]
    assert calendar.buttons[-1] == NAV

    # Page back one month and pick 30 Aban (six days ago, within the submission window).
    await world.press(zahra, "‹ ماه قبل")
    paged = world.server.messages_to(zahra)[-1]
    assert paged.message_id == calendar.message_id
    assert paged.buttons[0] == ["‹ ماه قبل", "آبان ۱۴۰۵", "ماه بعد ›"]
    assert paged.buttons[2] == ["·", "·", "·", "·", "·", "·", "۱"]
    assert (await press(world, zahra, "۳۰")).content == STEP[4]

    assert await answer(world, zahra, TITLE) == STEP[5]
    part = await world.say(zahra, TEXT_1)
    assert (
        part.content
        == f"دریافت شد: تا کنون {fa(len(TEXT_1))} نویسه. ادامه متن را بفرستید، یا «پایان» را بزنید."
    )
    assert part.buttons == [["پایان"], NAV]
    assert await answer(world, zahra, TEXT_2) == (
        f"دریافت شد: تا کنون {fa(len(TEXT))} نویسه. ادامه متن را بفرستید، یا «پایان» را بزنید."
    )
    category = await press(world, zahra, "پایان")
    assert category.content == STEP[6]
    assert category.buttons == [*CATEGORIES, NAV]
    assert (await press(world, zahra, "خدمات شهری")).content == STEP[7]
    attachments = await world.say(zahra, "۷-۱-۱")
    assert attachments.content == STEP[8]
    assert attachments.buttons == [["رد شدن"], NAV]

    await world.server.send_document(zahra, "صورتجلسه.pdf", PDF, "application/pdf")
    got = await world.server.wait_for_bot_message(zahra)
    assert got.content == f"پیوست ۱ دریافت شد.\n\n{STEP[8]}\nپیوست‌های دریافت‌شده: ۱"
    assert got.buttons == [["پایان", "حذف پیوست‌ها"], NAV]
    picture = png()
    await world.server.send_photo(zahra, picture)
    got = await world.server.wait_for_bot_message(zahra)
    assert got.content == f"پیوست ۲ دریافت شد.\n\n{STEP[8]}\nپیوست‌های دریافت‌شده: ۲"

    card = await press(world, zahra, "پایان")
    assert card.content == summary(date="۱۴۰۵/۰۸/۳۰", attachments=2)
    assert card.buttons == SUMMARY_BUTTONS

    done = await press(world, zahra, "ارسال")
    [resolution] = await resolutions(world)
    code = resolution.tracking_code.translate(DIGITS)
    # Submitted on Friday 1405/09/06: 14 days end on Friday 09/20, a holiday, so the window ends on 09/21.
    assert done.content == (
        "مصوبه ثبت و برای هیأت تطبیق ارسال شد.\n"
        f"کد رهگیری: \u2066{code}\u2069\n"
        "مهلت بررسی هیأت: ۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹"
    )
    assert world.server.messages_to(zahra)[-2].buttons == []  # the summary lost its buttons
    assert world.server.reply_keyboard(zahra) == [["ثبت مصوبه جدید", "مصوبات من"]]

    async with world.repo_session() as session:
        version = (await session.scalars(sa.select(ResolutionVersion))).one()
        files = list(await session.scalars(sa.select(Attachment).order_by(Attachment.id)))
        events = list(await session.scalars(sa.select(Event).where(Event.resolution_id == resolution.id)))
    assert (resolution.council_number, resolution.session_number, resolution.jalali_year) == (
        "12",
        "45",
        1405,
    )
    assert (resolution.status, resolution.cycle, resolution.late) == ("under_review", 1, False)
    assert (version.title, version.text, version.category) == (TITLE, TEXT, "urban_services")
    assert (version.votes_for, version.votes_against, version.votes_abstain) == (7, 1, 1)
    assert [(f.kind, f.file_name, f.mime_type, f.size) for f in files] == [
        ("document", "صورتجلسه.pdf", "application/pdf", len(PDF)),
        ("photo", None, "image/jpeg", len(picture)),
    ]
    assert [(world.settings.data_dir / str(f.local_path)).read_bytes() for f in files] == [PDF, picture]
    assert [e.kind for e in events] == ["submitted"]
    assert events[0].payload["review_deadline"] == "2026-12-12T20:29:59+00:00"

    await world.server.wait_for_idle()
    notice = (
        "مصوبه تازه‌ای برای بررسی هیأت شما رسیده است.\n\n"
        f"کد رهگیری: \u2066{code}\u2069\n"
        f"شورا: {COUNCIL}\n"
        "مصوبه شماره ۱۲، جلسه ۴۵، تصویب‌شده در ۱۴۰۵/۰۸/۳۰\n"
        f"عنوان: {TITLE}\n"
        "دسته: خدمات شهری\n"
        "رأی شورا: موافق ۷، مخالف ۱، ممتنع ۱\n"
        "وضعیت: در حال بررسی\n"
        "ارسال: ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰\n"
        "مهلت بررسی: ۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹\n"
        "پیوست‌ها: ۲\n\n"
        f"متن:\n{TEXT}"
    )
    for person in (ali, sara, reza):
        received = world.server.messages_to(person)[-3:]
        assert [m.content for m in received] == [
            notice,
            f"پیوست ۱ از ۲ — \u2066{code}\u2069",
            f"پیوست ۲ از ۲ — \u2066{code}\u2069",
        ]
        assert received[1].document is not None and received[1].document.data == PDF
        assert received[2].photo is not None and received[2].photo.data == picture
        assert sum(m.content == notice for m in world.server.messages_to(person)) == 1
    assert all("مصوبه تازه" not in m.content for m in world.server.messages_to(other))
    assert all("مصوبه تازه" not in m.content for m in world.server.messages_to(zahra))

    mine = await world.say(zahra, "/mine")
    assert mine.content == (
        f"مصوبات {COUNCIL} (۱ تا ۱ از ۱)، از تازه‌ترین:\n"
        f"۱. \u2066{code}\u2069 — شماره ۱۲ — {TITLE} — در حال بررسی"
    )


# --- every answer checked at once


async def test_each_wrong_answer_is_refused_with_its_message_and_the_step_is_asked_again(
    world: World,
) -> None:
    zahra = await secretary(world)
    # An earlier resolution 7 of this year, to be refused as a duplicate.
    await submit(world, zahra, "7")
    [earlier] = await resolutions(world)
    earlier_code = earlier.tracking_code.translate(DIGITS)

    await open_form(world, zahra)
    assert await answer(world, zahra, "دوازده") == refused(
        "شماره مصوبه حداکثر ۱۰ رقم است و می‌تواند پس از / یا - تا ۴ حرف یا رقم دیگر داشته باشد؛ "
        "مثلاً ۱۲ یا ۱۲/۳.",
        1,
    )
    assert await answer(world, zahra, "۰۰۷") == refused(
        "شورای شما مصوبه شماره ۷ سال ۱۴۰۵ را قبلاً ارسال کرده است؛ "
        f"کد رهگیری آن \u2066{earlier_code}\u2069 است. شماره را بررسی کنید.",
        1,
    )
    assert await answer(world, zahra, "۱۲/۳") == STEP[2]
    assert await answer(world, zahra, "0") == refused("شماره جلسه عددی صحیح از ۱ تا ۹۹۹۹ است.", 2)
    assert await answer(world, zahra, "جلسه ۴۵") == refused("شماره جلسه عددی صحیح از ۱ تا ۹۹۹۹ است.", 2)
    assert await answer(world, zahra, "45") == STEP[3]
    assert await answer(world, zahra, "دیروز") == refused(
        "این تاریخ نیست. آن را به صورت سال/ماه/روز بنویسید، مثلاً ۱۴۰۵/۰۹/۰۱، یا در تقویم انتخاب کنید.", 3
    )
    assert await answer(world, zahra, "1405/13/01") == refused("چنین ماهی وجود ندارد: ماه از ۱ تا ۱۲ است.", 3)
    assert await answer(world, zahra, "۱۴۰۵/۰۷/۳۱") == refused("آن ماه چنین روزی ندارد.", 3)
    assert await answer(world, zahra, "۱۴۰۵/۰۹/۰۷") == refused(
        "تاریخ تصویب نمی‌تواند بعد از امروز (۱۴۰۵/۰۹/۰۶) باشد.", 3
    )
    # Older than the 7-day window: flagged late by default…
    late = "توجه: این مصوبه پس از مهلت ارسال فرستاده می‌شود و «با تأخیر» علامت می‌خورد."
    assert await answer(world, zahra, "1405-08-20") == f"{late}\n\n{STEP[4]}"
    # …and refused under late_submission = refuse.
    deployment = world.app.dispatcher["deployment"]
    deployment.rules = dataclasses.replace(deployment.rules, late_submission=LateSubmissionPolicy.REFUSE)
    await pressed(world, zahra, "بازگشت")
    assert (
        await answer(world, zahra, "1405.08.20")
        == refused(
            "مصوبات باید ظرف ۷ روز از تصویب ارسال شوند؛ مهلت این مصوبه تا ۱۴۰۵/۰۸/۲۷ بود. "
            "ارسال با تأخیر پذیرفته نمی‌شود.",
            3,
        )
        + "\nپاسخ فعلی: ۱۴۰۵/۰۸/۲۰"
    )
    assert await answer(world, zahra, "۱۴۰۵/۰۹/۰۱") == STEP[4]

    assert await answer(world, zahra, "طرح") == refused(
        "عنوان بیش از حد کوتاه است (۳ نویسه)؛ باید ۵ تا ۲۰۰ نویسه باشد.", 4
    )
    assert await answer(world, zahra, "ع" * 201) == refused(
        "عنوان بیش از حد بلند است (۲۰۱ نویسه)؛ باید ۵ تا ۲۰۰ نویسه باشد.", 4
    )
    await world.server.send_other(zahra, location={"latitude": 35.58, "longitude": 53.39})
    assert (await world.server.wait_for_bot_message(zahra)).content == refused(
        GUIDANCE.format(what="عنوان، به صورت متن"), 4
    )
    assert await answer(world, zahra, TITLE) == STEP[5]

    await answer(world, zahra, "کوتاه")
    assert (
        await answer(world, zahra, "پایان")
        == refused("متن بیش از حد کوتاه است (۵ نویسه)؛ باید ۱۰ تا ۲۰۰۰۰ نویسه باشد.", 5)
        + "\nپاسخ فعلی: تا کنون ۵ نویسه دریافت شده"
    )
    assert (
        await answer(world, zahra, "ب" * 20_000)
        == refused("متن بیش از حد بلند است (۲۰۰۰۶ نویسه)؛ باید ۱۰ تا ۲۰۰۰۰ نویسه باشد.", 5)
        + "\nپاسخ فعلی: تا کنون ۵ نویسه دریافت شده"
    )
    await world.server.send_document(zahra, "text.docx", b"PK\x03\x04", "application/msword")
    assert (await world.server.wait_for_bot_message(zahra)).content == refused(
        "متن را فقط به صورت فایل .txt یا .pdf می‌توان فرستاد.", 5
    ) + "\nپاسخ فعلی: تا کنون ۵ نویسه دریافت شده"
    # A .txt file replaces what was typed.
    await world.server.send_document(zahra, "matn.txt", TEXT.encode("utf-8"), "text/plain")
    assert (await world.server.wait_for_bot_message(zahra)).content == STEP[6]

    sticker = {
        "file_id": "CAACAgIAAxkBAAE",
        "file_unique_id": "AgADBQAD",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await world.server.send_other(zahra, sticker=sticker)
    assert (await world.server.wait_for_bot_message(zahra)).content == refused(
        GUIDANCE.format(what="انتخاب یکی از دکمه‌های دسته"), 6
    )
    assert await answer(world, zahra, "عمرانی") == refused("یکی از دسته‌ها را با دکمه‌ها انتخاب کنید.", 6)
    assert (await press(world, zahra, "عمرانی")).content == STEP[7]

    assert await answer(world, zahra, "۷ ۱") == refused(
        "آرای شورا را به صورت سه عدد صحیح بفرستید: موافق، مخالف، ممتنع — مثلاً ۷ ۱ ۱.", 7
    )
    assert await answer(world, zahra, "۸ ۱ ۱") == refused("جمع این آرا ۱۰ است، اما شورا فقط ۹ عضو دارد.", 7)
    assert await answer(world, zahra, "4 3 1") == refused(
        "با ۸ رأی‌دهنده، مصوبه دست‌کم ۵ رأی موافق لازم دارد؛ این مصوبه ۴ رأی موافق دارد. "
        "مصوبه‌ای که تصویب نشده قابل ارسال نیست.",
        7,
    )
    await world.server.send_other(zahra, voice={"file_id": "AwAC", "file_unique_id": "AgAD", "duration": 3})
    assert (await world.server.wait_for_bot_message(zahra)).content == refused(
        GUIDANCE.format(what="سه عدد به صورت متن"), 7
    )
    assert await answer(world, zahra, "۵ ۳ ۱") == STEP[8]

    await world.server.send_document(zahra, "minutes.docx", b"PK\x03\x04", "application/msword")
    assert (await world.server.wait_for_bot_message(zahra)).content == refused(
        "فقط فایل PDF و تصویر JPEG یا PNG را می‌توان پیوست کرد.", 8
    )
    deployment.attachment_max_bytes = 1000
    await world.server.send_document(zahra, "big.pdf", b"%PDF" + b"0" * 2_096_148, "application/pdf")
    assert (await world.server.wait_for_bot_message(zahra)).content == refused(
        "حجم فایل ۲.۰ مگابایت است؛ حداکثر ۰.۰ مگابایت مجاز است.", 8
    )
    # Nothing entered was lost.
    assert (await press(world, zahra, "رد شدن")).content == summary(
        number="۱۲/۳", category="عمرانی", votes="موافق ۵، مخالف ۳، ممتنع ۱"
    )


# --- moving around the form


async def test_back_keeps_answers_and_the_summary_edits_one_field(world: World) -> None:
    zahra = await secretary(world)
    await fill(world, zahra, through=3)
    step_3 = await press(world, zahra, "بازگشت")
    assert step_3.content == f"{STEP[3]}\nپاسخ فعلی: ۱۴۰۵/۰۹/۰۱"
    assert step_3.buttons[-1] == ["بدون تغییر", "بازگشت", "لغو"]
    step_2 = await press(world, zahra, "بازگشت")
    assert step_2.content == f"{STEP[2]}\nپاسخ فعلی: ۴۵"
    assert step_2.buttons == [["بدون تغییر", "بازگشت", "لغو"]]
    step_3 = await press(world, zahra, "بدون تغییر")
    assert step_3.content == f"{STEP[3]}\nپاسخ فعلی: ۱۴۰۵/۰۹/۰۱"
    assert step_3.buttons[0][1] == "آذر ۱۴۰۵"
    assert (await press(world, zahra, "بدون تغییر")).content == STEP[4]
    await answer(world, zahra, TITLE)
    await text_in_two_parts(world, zahra)
    await pressed(world, zahra, "خدمات شهری")
    await answer(world, zahra, "۷ ۱ ۱")
    assert await pressed(world, zahra, "رد شدن") == summary()

    edit = await press(world, zahra, "ویرایش عنوان")
    assert edit.content == f"{STEP[4]}\nپاسخ فعلی: {TITLE}"
    assert edit.buttons == [["بدون تغییر", "بازگشت به خلاصه", "لغو"]]
    new_title = "نرخ عوارض پسماند ۱۴۰۶"
    assert await answer(world, zahra, new_title) == summary(title=new_title)
    await pressed(world, zahra, "ویرایش رأی شورا")
    assert await answer(world, zahra, "۸ ۰ ۱") == summary(title=new_title, votes="موافق ۸، مخالف ۰، ممتنع ۱")
    await pressed(world, zahra, "ویرایش دسته")
    assert await pressed(world, zahra, "بازگشت به خلاصه") == summary(
        title=new_title, votes="موافق ۸، مخالف ۰، ممتنع ۱"
    )
    assert await resolutions(world) == []


async def test_cancel_by_button_or_command_forgets_the_form(world: World) -> None:
    zahra = await secretary(world)
    await fill(world, zahra, through=2)
    assert await pressed(world, zahra, "لغو") == CANCELLED
    assert await answer(world, zahra, "/cancel") == "فرمی در حال تکمیل نیست."
    await fill(world, zahra, through=4)
    assert await answer(world, zahra, "/cancel") == CANCELLED
    # A new form starts empty, with no draft to resume.
    assert (await world.say(zahra, "/new")).content == f"مصوبه جدید {COUNCIL}.\n\n{STEP[1]}"
    assert await resolutions(world) == []


async def test_a_draft_is_offered_for_resuming_or_deleting(world: World) -> None:
    zahra = await secretary(world)
    await fill(world, zahra, through=3)
    offer = await world.say(zahra, "/start")
    assert offer.content == (
        "یک فرم مصوبه نیمه‌تمام دارید (در مرحله ۴ از ۸). آن را ادامه می‌دهید یا پیش‌نویس را حذف می‌کنید؟"
    )
    assert offer.buttons == [["ادامه", "حذف پیش‌نویس"]]
    assert await pressed(world, zahra, "ادامه") == STEP[4]
    await answer(world, zahra, TITLE)
    assert (await world.say(zahra, "/new")).content == (
        "یک فرم مصوبه نیمه‌تمام دارید (در مرحله ۵ از ۸). آن را ادامه می‌دهید یا پیش‌نویس را حذف می‌کنید؟"
    )
    await world.press(zahra, "حذف پیش‌نویس")
    await world.server.wait_for_idle()
    assert [m.content for m in world.server.messages_to(zahra)[-2:]] == [
        "پیش‌نویس حذف شد.",
        f"مصوبه جدید {COUNCIL}.\n\n{STEP[1]}",
    ]


# --- sending once


async def test_a_double_tap_or_a_repeated_callback_makes_one_resolution(world: World) -> None:
    zahra = await secretary(world)
    ali = world.person(2001, "علی")
    await world.enrol(ali, Role.MEMBER, "B-SMN")
    await fill(world, zahra)
    card = world.server.messages_to(zahra)[-1]
    send = card.find_button("ارسال")
    assert send is not None
    # Two taps before the bot answers either, then the same callback once more later.
    first = await world.server.press_button(zahra, "ارسال")
    second = await world.server.press_button(zahra, "ارسال")
    await world.server.wait_until(lambda: second in world.server.callback_answers)
    third = await world.server.send_callback_data(zahra.id, send["callback_data"], zahra.id, card.message_id)
    await world.server.wait_until(lambda: third in world.server.callback_answers)
    await world.server.wait_for_idle()

    [resolution] = await resolutions(world)
    code = resolution.tracking_code.translate(DIGITS)
    already = f"این مصوبه قبلاً ارسال شده است. کد رهگیری: \u2066{code}\u2069"
    assert world.server.callback_answers[first].get("text") is None
    assert [world.server.callback_answers[q]["text"] for q in (second, third)] == [already, already]
    assert sum(m.content.startswith("مصوبه ثبت و") for m in world.server.messages_to(zahra)) == 1
    assert sum(m.content.startswith("مصوبه تازه") for m in world.server.messages_to(ali)) == 1


async def test_mine_lists_the_councils_resolutions_newest_first_a_page_at_a_time(world: World) -> None:
    zahra = await secretary(world)
    assert await answer(world, zahra, "/mine") == "شورای شما هنوز مصوبه‌ای ارسال نکرده است."
    for number in range(1, 7):
        await submit(world, zahra, str(number))
    codes = [r.tracking_code.translate(DIGITS) for r in await resolutions(world)]
    digits = "۰۱۲۳۴۵۶۷۸۹"

    def line(n: int, index: int) -> str:
        return f"{digits[n]}. \u2066{codes[index]}\u2069 — شماره {digits[index + 1]} — {TITLE} — در حال بررسی"

    page = await world.say(zahra, "مصوبات من")
    assert page.content == "\n".join(
        [f"مصوبات {COUNCIL} (۱ تا ۵ از ۶)، از تازه‌ترین:", *(line(n, 6 - n) for n in range(1, 6))]
    )
    assert page.buttons == [["قدیمی‌تر ›"]]
    await world.press(zahra, "قدیمی‌تر ›")
    older = world.server.messages_to(zahra)[-1]
    assert older.message_id == page.message_id
    assert older.content == f"مصوبات {COUNCIL} (۶ تا ۶ از ۶)، از تازه‌ترین:\n{line(6, 0)}"
    assert older.buttons == [["‹ تازه‌تر"]]
