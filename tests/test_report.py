"""``/report`` in both platform profiles (issue 6): the text summary, the Excel workbook and the bar chart
sent as documents, places and periods, and who may ask.

The story, in Tehran time, with the moved clock:

- Friday 1405/09/06 10:30: zahra submits A (Semnan, No. 12) and E (No. 15); hasan submits D (Shahrud, whose
  board has nobody yet).
- Saturday 09/07 10:30: sara and mina find A in conformity (ruled after 1 day); mina votes on E, the others
  never do. zahra submits B (No. 13).
- Tuesday 09/10 16:30: ali and sara object to B (ruled after 3¼ days); zahra submits C (No. 14), late: it
  was approved on 09/01.
- Sunday 09/22 10:00, after the sweep: E and D lapsed at 09/21 23:59; the council never answered the
  objection to B, so it went to the dispute authority at its deadline (09/21 23:59).
"""

from __future__ import annotations

import datetime as dt
import io
from types import MappingProxyType

import sqlalchemy as sa
from openpyxl import load_workbook
from PIL import Image

from bot.apiserver.state import SimMessage, SimUser
from bot.i18n import make_i18n
from council.performance import Figures, MemberFigures, Report, UnitFigures
from council.roles import Role
from council.status import Status
from handlers.report_views import chart_of, report_text
from storage.models import Resolution
from storage.orgfile import load_org, parse_org_file

from .conftest import World
from .flows import Board, Submitted, board, press, texts, vote_conflict
from .test_exports import FIGURE_HEADERS as EXPORT_HEADERS
from .test_submission import DIGITS, TITLE, answer, open_form, pressed, text_in_two_parts

UTC = dt.UTC
NOT_FOUND = "مصوبه‌ای با این مشخصات پیدا نشد."
REFUSAL = "گزارش عملکرد فقط برای ناظران، دبیران هیأت تطبیق و مدیران سامانه است."
CHART_PATH = "/tmp/report_chart.png"


async def submit(world: World, secretary: SimUser, number: str = "۱۲") -> Submitted:
    """The usual answers (approved on 1405/09/01), numbered ``number``, sent; the confirmation awaited."""
    before = len(world.server.messages_to(secretary))
    await open_form(world, secretary)
    for text in (number, "۴۵", "۱۴۰۵/۰۹/۰۱", TITLE):
        await answer(world, secretary, text)
    await text_in_two_parts(world, secretary)
    await pressed(world, secretary, "خدمات شهری")
    await answer(world, secretary, "۷ ۱ ۱")
    await pressed(world, secretary, "رد شدن")
    # A notice (an objection, a reminder) may come in between the steps: wait for the summary itself.
    await world.server.wait_until(
        lambda: any("ارسال" in m.button_labels for m in world.server.messages_to(secretary)[before:]),
        what="the summary with «ارسال»",
    )
    await world.press(secretary, "ارسال")
    await world.server.wait_for_bot_message(secretary, lambda m: m.content.startswith("مصوبه ثبت"))
    async with world.repo_session() as session:
        resolution = (await session.scalars(sa.select(Resolution).order_by(Resolution.id.desc()))).first()
    assert resolution is not None
    await world.server.wait_for_idle()
    return Submitted(resolution.id, resolution.tracking_code.translate(DIGITS))


async def vote_ok_on(world: World, member: SimUser, res: Submitted) -> None:
    """«عدم مغایرت» on the notice of ``res``, then «تأیید»."""
    notice = next(
        m
        for m in reversed(world.server.messages_to(member))
        if res.shown in m.content and "عدم مغایرت" in m.button_labels
    )
    await press(world, member, "عدم مغایرت", notice.message_id)
    await press(world, member, "تأیید")
    await world.server.wait_for_idle()


def tehran(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant of Azar 1405 (1405/09/01 is 2026-11-22) in Tehran time."""
    tehran_zone = dt.timezone(dt.timedelta(hours=3, minutes=30))
    local = dt.datetime(2026, 11, 21, hour, minute, tzinfo=tehran_zone) + dt.timedelta(days=day)
    return local.astimezone(UTC)


async def story(world: World) -> tuple[Board, SimUser]:
    people = await board(world)
    hasan = world.person(1002, "حسن")
    await world.enrol(hasan, Role.SECRETARY, "C-SHR-SHAHRUD")
    a = await submit(world, people.zahra)
    e = await submit(world, people.zahra, "۱۵")
    await submit(world, hasan)

    world.clock.set(tehran(7, 10, 30))
    await vote_ok_on(world, people.sara, a)
    await vote_ok_on(world, people.mina, a)
    await vote_ok_on(world, people.mina, e)
    await submit(world, people.zahra, "۱۳")

    world.clock.set(tehran(10, 16, 30))
    await vote_conflict(world, people.ali)
    await vote_conflict(world, people.sara, law=None)
    await world.server.wait_for_idle()
    await submit(world, people.zahra, "۱۴")

    world.clock.set(tehran(22, 10))
    sweep = await world.app.sweep_now()
    assert (len(sweep.lapsed), len(sweep.escalated)) == (2, 1)
    await world.server.wait_for_idle()
    return people, hasan


async def ask(world: World, who: SimUser, text: str, expect: int = 1) -> list[SimMessage]:
    """Send ``text``; every message the bot answers with (at least ``expect`` of them)."""
    before = len(world.server.messages_to(who))
    await world.server.send_text(who, text)
    await world.server.wait_until(
        lambda: len(world.server.messages_to(who)) - before >= expect, timeout=20, what=f"{expect} answers"
    )
    await world.server.wait_for_idle()
    return world.server.messages_to(who)[before:]


async def ask_report(world: World, who: SimUser, text: str) -> tuple[str, bytes, bytes]:
    """Send a /report that has figures: its text, workbook and chart."""
    return report_files(await ask(world, who, text, expect=3))


HEAD = "گزارش عملکرد: {place}\nدوره: {period}\nوضعیت در ۱۴۰۵/۰۹/۲۲ ساعت ۱۰:۰۰\n\n"
ALL = "همه مصوبات تا کنون"
DETAILS = "\n\nجزئیات در فایل اکسل پایین آمده است."
PROVINCE_FIGURES = (
    "مصوبات: ۵\n"
    "  • در حال بررسی: ۱\n"
    "  • لازم‌الاجرا: ۱\n"
    "  • لازم‌الاجرا (انقضای مهلت): ۲\n"
    "  • ارجاع به مرجع حل اختلاف: ۱\n"
    "نرخ اعتراض: ۲۵٫۰٪ (۱ از ۴ بررسیِ پایان‌یافته)\n"
    "ارسال به‌موقع: ۴؛ با تأخیر: ۱\n"
    "بررسی‌های منقضی‌شده بدون رأی هیأت: ۲\n"
    "میانه زمان تا رأی هیأت: ۲٫۱ روز\n"
    "پاسخ‌های معوق به اعتراض: ۱\n\n"
    "به تفکیک شهرستان:\n"
    "• شهرستان شاهرود: ۱ مصوبه، اعتراض ۰٫۰٪، تأخیر ۰، انقضا ۱\n"
    "• شهرستان سمنان: ۴ مصوبه، اعتراض ۳۳٫۳٪، تأخیر ۱، انقضا ۱\n\n"
    "شوراهای دارای بیشترین مصوبه:\n"
    "• شورای اسلامی شهر سمنان: ۴ مصوبه، اعتراض ۳۳٫۳٪، تأخیر ۱، انقضا ۱\n"
    "• شورای اسلامی شهر شاهرود: ۱ مصوبه، اعتراض ۰٫۰٪، تأخیر ۰، انقضا ۱\n\n"
)
# ali ruled on B and missed E; sara ruled on A and B and missed E; mina ruled on A and voted on E in time.
MEMBERS = (
    "آرای به‌موقع اعضای هیأت: ۵ از ۷ (۷۱٫۴٪)\n"
    "• سارا: ۲ از ۳ رأی به‌موقع؛ داده‌نشده ۱\n"
    "• علی: ۱ از ۲ رأی به‌موقع؛ داده‌نشده ۱\n"
    "• مینا: ۲ از ۲ رأی به‌موقع؛ داده‌نشده ۰"
)
SHAHRUD = (
    HEAD.format(place="شهرستان شاهرود", period=ALL)
    + (
        "مصوبات: ۱\n"
        "  • لازم‌الاجرا (انقضای مهلت): ۱\n"
        "نرخ اعتراض: ۰٫۰٪ (۰ از ۱ بررسیِ پایان‌یافته)\n"
        "ارسال به‌موقع: ۱؛ با تأخیر: ۰\n"
        "بررسی‌های منقضی‌شده بدون رأی هیأت: ۱\n"
        "میانه زمان تا رأی هیأت: —\n"
        "پاسخ‌های معوق به اعتراض: ۰"
    )
    + DETAILS
)
SEMNAN_FIGURES = (
    "مصوبات: ۴\n"
    "  • در حال بررسی: ۱\n"
    "  • لازم‌الاجرا: ۱\n"
    "  • لازم‌الاجرا (انقضای مهلت): ۱\n"
    "  • ارجاع به مرجع حل اختلاف: ۱\n"
    "نرخ اعتراض: ۳۳٫۳٪ (۱ از ۳ بررسیِ پایان‌یافته)\n"
    "ارسال به‌موقع: ۳؛ با تأخیر: ۱\n"
    "بررسی‌های منقضی‌شده بدون رأی هیأت: ۱\n"
    "میانه زمان تا رأی هیأت: ۲٫۱ روز\n"
    "پاسخ‌های معوق به اعتراض: ۱\n\n"
)
BAD_PERIOD = (
    "دوره را نتوانستم بخوانم.\n"
    "دوره را به یکی از این شکل‌ها بنویسید: سال (۱۴۰۵)، ماه (۱۴۰۵/۰۷)، روز (۱۴۰۵/۰۷/۱۵)، بازه "
    "(۱۴۰۵/۰۷/۰۱-۱۴۰۵/۰۹/۳۰ یا «۱۴۰۵/۰۷ تا ۱۴۰۵/۰۹»)، یا با واژه: امروز، دیروز، این هفته، هفته گذشته، "
    "این ماه، ماه گذشته، امسال، پارسال.\nمثال: \u200e/report شاهرود ۱۴۰۵/۰۷"
)
# The workbook's headers are the words of the exports test, from the catalogue; only the count differs.
FIGURE_HEADERS = ["تعداد مصوبات", *EXPORT_HEADERS[1:]]


def report_files(messages: list[SimMessage]) -> tuple[str, bytes, bytes]:
    """The text, the workbook and the chart of one /report answer, checked for their names and kinds."""
    assert len(messages) == 3
    text, excel, chart = messages
    assert excel.document is not None and chart.document is not None
    assert excel.document.file_name == "report-1405-09-22.xlsx"
    assert excel.document.mime_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert chart.document.file_name == "chart-1405-09-22.png"
    return text.content, excel.document.data, chart.document.data


def save_chart(data: bytes) -> None:
    with open(CHART_PATH, "wb") as file:
        file.write(data)


def check_png(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("PNG", (1000, 600))
    assert len(data) > 15_000  # bars, labels and digits, not a blank canvas


async def test_an_official_gets_the_text_the_workbook_and_the_chart(world: World) -> None:
    people, _ = await story(world)
    text, workbook, chart = await ask_report(world, people.omid, "/report")
    assert text == HEAD.format(place="استان سمنان", period=ALL) + PROVINCE_FIGURES + MEMBERS + DETAILS
    assert texts(world, people.omid)[-2:] == [
        "گزارش عملکرد استان سمنان (اکسل)",
        "نرخ اعتراض هیأت تطبیق به تفکیک شهرستان — استان سمنان",
    ]

    book = load_workbook(io.BytesIO(workbook))
    assert book.sheetnames == ["خلاصه", "شهرستان‌ها", "شوراها", "اعضای هیأت"]
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    summary = book["خلاصه"]
    assert [[cell.value for cell in row] for row in summary.iter_rows(max_row=2, max_col=2)] == [
        ["گزارش عملکرد: استان سمنان", None],
        ["تاریخ تهیه", "۱۴۰۵/۰۹/۲۲ ساعت ۱۰:۰۰"],
    ]
    assert [cell.value for cell in summary["A"][3:]] == FIGURE_HEADERS
    overall = [cell.value for cell in summary["B"][3:]]
    assert overall == [5, 1, 1, 2, 0, 0, 1, 0, 0, 1, 0.25, 4, 1, 2, 2, 2.1, 1]
    counties = book["شهرستان‌ها"]
    assert [cell.value for cell in counties[1]] == ["کد", "نام", *FIGURE_HEADERS]
    assert [cell.value for cell in counties[2]][:4] == ["SMN-SHR", "شهرستان شاهرود", 1, 0]
    semnan = [cell.value for cell in counties[3]]
    assert semnan[:3] == ["SMN-SMN", "شهرستان سمنان", 4]
    assert semnan[12] == 1 / 3 and counties.cell(3, 13).number_format == "0.0%"
    councils = book["شوراها"]
    assert [cell.value for cell in councils[1]][:3] == ["کد", "نام", "شهرستان"]
    assert [cell.value for cell in councils[2]][:4] == [
        "C-SHR-SHAHRUD",
        "شورای اسلامی شهر شاهرود",
        "شهرستان شاهرود",
        1,
    ]
    members = book["اعضای هیأت"]
    assert [cell.value for cell in members[1]] == [
        "کد",
        "عضو",
        "رأی لازم",
        "به‌موقع",
        "با تأخیر",
        "داده‌نشده",
        "در انتظار",
        "نرخ به‌موقع",
    ]
    assert sorted(tuple(cell.value for cell in row[1:7]) for row in members.iter_rows(min_row=2)) == [
        ("سارا", 3, 2, 0, 1, 1),
        ("علی", 2, 1, 0, 1, 1),
        ("مینا", 2, 2, 0, 0, 1),
    ]

    check_png(chart)
    # Kept for a look: the labels must come out joined and right to left (see exports.chart).
    save_chart(chart)


async def test_a_county_a_council_and_a_period(world: World) -> None:
    people, _ = await story(world)
    text, _, chart = await ask_report(world, people.omid, "/report شاهرود")
    assert text == SHAHRUD
    assert texts(world, people.omid)[-1] == "نرخ اعتراض هیأت تطبیق به تفکیک شورا — شهرستان شاهرود"
    check_png(chart)

    # The council, typed without «اسلامی»: its figures, and a chart of its resolutions by status.
    text, workbook, chart = await ask_report(world, people.omid, "/report شورای شهر سمنان")
    assert text == (
        HEAD.format(place="شورای اسلامی شهر سمنان", period=ALL) + SEMNAN_FIGURES + MEMBERS + DETAILS
    )
    assert texts(world, people.omid)[-1] == "مصوبات شورای اسلامی شهر سمنان به تفکیک وضعیت"
    assert [c.value for c in load_workbook(io.BytesIO(workbook))["شوراها"]["A"]] == ["کد", "C-SMN-SEMNAN"]
    check_png(chart)

    # Submitted from 09/07 on: B (objected, then escalated) and C (late, under review).
    text, workbook, _ = await ask_report(world, people.omid, "/report ۱۴۰۵/۰۹/۰۷-۱۴۰۵/۰۹/۳۰")
    assert (
        text
        == HEAD.format(place="استان سمنان", period="۱۴۰۵/۰۹/۰۷ تا ۱۴۰۵/۰۹/۳۰")
        + (
            "مصوبات: ۲\n"
            "  • در حال بررسی: ۱\n"
            "  • ارجاع به مرجع حل اختلاف: ۱\n"
            "نرخ اعتراض: ۱۰۰٫۰٪ (۱ از ۱ بررسیِ پایان‌یافته)\n"
            "ارسال به‌موقع: ۱؛ با تأخیر: ۱\n"
            "بررسی‌های منقضی‌شده بدون رأی هیأت: ۰\n"
            "میانه زمان تا رأی هیأت: ۳٫۳ روز\n"
            "پاسخ‌های معوق به اعتراض: ۱\n\n"
            "آرای به‌موقع اعضای هیأت: ۲ از ۲ (۱۰۰٫۰٪)\n"
            "• سارا: ۱ از ۱ رأی به‌موقع؛ داده‌نشده ۰\n"
            "• علی: ۱ از ۱ رأی به‌موقع؛ داده‌نشده ۰"
        )
        + DETAILS
    )
    summary = load_workbook(io.BytesIO(workbook))["خلاصه"]
    assert [[cell.value for cell in row] for row in summary.iter_rows(min_row=2, max_row=4, max_col=2)] == [
        ["از", "۱۴۰۵/۰۹/۰۷"],
        ["تا", "۱۴۰۵/۰۹/۳۰"],
        ["تاریخ تهیه", "۱۴۰۵/۰۹/۲۲ ساعت ۱۰:۰۰"],
    ]

    # «این ماه» is Azar: all five. A month with nothing submitted: a message and no files.
    text, _, _ = await ask_report(world, people.omid, "/report این ماه")
    assert text.startswith(
        HEAD.format(place="استان سمنان", period="۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰") + "مصوبات: ۵\n"
    )
    answers = await ask(world, people.omid, "/report شاهرود ۱۴۰۵/۰۷")
    assert [(m.content, m.document) for m in answers] == [
        ("در دوره ۱۴۰۵/۰۷/۰۱ تا ۱۴۰۵/۰۷/۳۰ مصوبه‌ای از شهرستان شاهرود ارسال نشده است.", None)
    ]


async def test_an_unreadable_period_says_what_is_accepted(world: World) -> None:
    people = await board(world)
    for period in ("۱۴۰۵/۱۳", "۱۴۰۵/۰۷/۳۲", "شاهرود ۱۴۰۵/۰۹/۰۷ تا"):
        assert [m.content for m in await ask(world, people.omid, f"/report {period}")] == [BAD_PERIOD]
    reversed_answer = await ask(world, people.omid, "/report ۱۴۰۵/۰۹ تا ۱۴۰۵/۰۷")
    assert [m.content for m in reversed_answer] == [
        BAD_PERIOD.replace(
            "دوره را نتوانستم بخوانم.", "پایان دوره پیش از آغاز آن است؛ تاریخ زودتر را اول بنویسید."
        )
    ]


QOM = """
province | QOM | استان قم
county   | QOM-QOM | شهرستان قم | province=QOM
board    | B-QOM | هیأت تطبیق مصوبات شوراهای شهرستان قم | county=QOM-QOM | seats=3
council  | C-QOM-QOM | شورای اسلامی شهر قم | kind=city | county=QOM-QOM | board=B-QOM | members=9
"""


async def test_the_nation_is_reported_by_province(world: World) -> None:
    """However many resolutions (no report is too large since the figures are summed in the database), a
    report of several provinces is for a phone: a line per province in the text, a provinces sheet first
    in the workbook (counties and councils follow), and a chart of some thirty provinces rather than of
    hundreds of counties."""
    people, _hasan = await story(world)
    async with world.repo_session() as session:
        await load_org(session, parse_org_file(QOM))
        await session.commit()
    qom = world.person(1003, "مریم")
    await world.enrol(qom, Role.SECRETARY, "C-QOM-QOM")
    # Approved on 09/01 and submitted on 09/22: late; under review, so no closed review in Qom.
    await submit(world, qom)
    admin = world.person(4001, "مدیر")
    await world.enrol(admin, Role.ADMIN, "IR")

    text, workbook, chart = await ask_report(world, admin, "/report")
    assert text == (
        HEAD.format(place="سراسر کشور", period=ALL)
        + "مصوبات: ۶\n"
        "  • در حال بررسی: ۲\n"
        "  • لازم‌الاجرا: ۱\n"
        "  • لازم‌الاجرا (انقضای مهلت): ۲\n"
        "  • ارجاع به مرجع حل اختلاف: ۱\n"
        "نرخ اعتراض: ۲۵٫۰٪ (۱ از ۴ بررسیِ پایان‌یافته)\n"
        "ارسال به‌موقع: ۴؛ با تأخیر: ۲\n"
        "بررسی‌های منقضی‌شده بدون رأی هیأت: ۲\n"
        "میانه زمان تا رأی هیأت: ۲٫۱ روز\n"
        "پاسخ‌های معوق به اعتراض: ۱\n\n"
        "به تفکیک استان:\n"
        "• استان قم: ۱ مصوبه، اعتراض —، تأخیر ۱، انقضا ۰\n"
        "• استان سمنان: ۵ مصوبه، اعتراض ۲۵٫۰٪، تأخیر ۱، انقضا ۲\n\n"
        "شوراهای دارای بیشترین مصوبه:\n"
        "• شورای اسلامی شهر سمنان: ۴ مصوبه، اعتراض ۳۳٫۳٪، تأخیر ۱، انقضا ۱\n"
        "• شورای اسلامی شهر قم: ۱ مصوبه، اعتراض —، تأخیر ۱، انقضا ۰\n"
        "• شورای اسلامی شهر شاهرود: ۱ مصوبه، اعتراض ۰٫۰٪، تأخیر ۰، انقضا ۱\n\n"
        + MEMBERS
        + DETAILS
    )
    # Only Semnan has a closed review: the chart has its bar alone (Qom's rate would say nothing).
    assert texts(world, admin)[-2:] == [
        "گزارش عملکرد سراسر کشور (اکسل)",
        "نرخ اعتراض هیأت تطبیق به تفکیک استان — سراسر کشور",
    ]
    check_png(chart)
    book = load_workbook(io.BytesIO(workbook))
    assert book.sheetnames == ["خلاصه", "استان‌ها", "شهرستان‌ها", "شوراها", "اعضای هیأت"]
    provinces = book["استان‌ها"]
    assert [cell.value for cell in provinces[1]] == ["کد", "نام", *FIGURE_HEADERS]
    assert [[cell.value for cell in row][:4] for row in provinces.iter_rows(min_row=2)] == [
        ["QOM", "استان قم", 1, 1],
        ["SMN", "استان سمنان", 5, 1],
    ]
    assert [c.value for c in book["شهرستان‌ها"]["A"]] == ["کد", "QOM-QOM", "SMN-SHR", "SMN-SMN"]

    # The province's official still gets Semnan by county, with no provinces sheet.
    text, workbook, _chart = await ask_report(world, people.omid, "/report")
    assert text == HEAD.format(place="استان سمنان", period=ALL) + PROVINCE_FIGURES + MEMBERS + DETAILS
    assert "استان‌ها" not in load_workbook(io.BytesIO(workbook)).sheetnames


async def test_who_may_ask_and_where(world: World) -> None:
    people, hasan = await story(world)
    # Council secretaries, members and experts are refused politely.
    for who in (people.zahra, hasan, people.sara, people.reza):
        assert [m.content for m in await ask(world, who, "/report")] == [REFUSAL]
    # The board's secretary: the councils of his board.
    text, _, _ = await ask_report(world, people.ali, "/report")
    assert text == (
        HEAD.format(place="هیأت تطبیق مصوبات شوراهای شهرستان سمنان", period=ALL)
        + SEMNAN_FIGURES
        + MEMBERS
        + DETAILS
    )
    # A county official: his county; Semnan is outside it and is answered exactly like a place nowhere.
    text, _, _ = await ask_report(world, people.nima, "/report")
    assert text == SHAHRUD
    for place in ("سمنان", "شورای شهر سمنان", "ناکجاآباد"):
        answers = await ask(world, people.nima, f"/report {place}")
        assert [(m.content, m.buttons) for m in answers] == [(NOT_FOUND, [])]

    # Two villages begin with «اب»: which one? The answer for the chosen one keeps the period asked for.
    asked = await ask(world, people.omid, "/report اب ۱۴۰۵/۰۹")
    assert [(m.content, m.buttons) for m in asked] == [
        ("منظورتان کدام است؟", [["شورای اسلامی روستای ابر"], ["شورای اسلامی روستای ابرسج"]])
    ]
    chosen = await press(world, people.omid, "شورای اسلامی روستای ابر")
    assert chosen.content == (
        "در دوره ۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰ مصوبه‌ای از شورای اسلامی روستای ابر ارسال نشده است."
    )
    # An admin: the whole country.
    admin = world.person(4001, "مدیر")
    await world.enrol(admin, Role.ADMIN, "IR")
    text, _, _ = await ask_report(world, admin, "/report")
    assert text.startswith(HEAD.format(place="سراسر کشور", period=ALL) + "مصوبات: ۵\n")


# The 31 provinces of Iran, by the names an official knows them.
PROVINCE_NAMES = (
    "آذربایجان شرقی،آذربایجان غربی،اردبیل،اصفهان،البرز،ایلام،بوشهر،تهران،چهارمحال و بختیاری،خراسان جنوبی،"
    "خراسان رضوی،خراسان شمالی،خوزستان،زنجان،سمنان،سیستان و بلوچستان،فارس،قزوین،قم،کردستان،کرمان،"
    "کرمانشاه،کهگیلویه و بویراحمد،گلستان،گیلان،لرستان،مازندران،مرکزی،هرمزگان،همدان،یزد"
).split("،")


def test_a_nation_wide_report_fits_a_message_and_charts_provinces() -> None:
    """A million resolutions in 31 provinces, 429 counties and 32,000 councils: the text names the provinces
    (not the counties) and still fits one chat message of 4,096 characters; the chart has 31 bars."""
    now = dt.datetime(2026, 12, 13, 6, 30, tzinfo=UTC)

    def busy(n: int) -> Figures:
        lapsed = n // 3
        by_status = dict.fromkeys(Status, 0)
        by_status |= {Status.ENFORCEABLE: n - lapsed, Status.ENFORCEABLE_LAPSED: lapsed}
        return Figures(
            n, MappingProxyType(by_status), n // 7, n, n - n // 11, n // 11, lapsed, n - lapsed, 5.35, n // 50
        )

    provinces = tuple(UnitFigures(f"P{i:02d}", f"P{i:02d}", busy(32_258 + i)) for i in range(31))
    counties = tuple(UnitFigures(f"K{i:03d}", f"K{i:03d}", busy(2_331)) for i in range(429))
    councils = tuple(UnitFigures(f"C{i:05d}", f"K{i % 429:03d}", busy(31)) for i in range(32_000))
    members = tuple(MemberFigures(str(i), 2_000, 1_900, 50, 50, 3) for i in range(1_287))
    report = Report(now, busy(1_000_000), counties, councils, members, provinces)
    names = {f"P{i:02d}": f"استان {name}" for i, name in enumerate(PROVINCE_NAMES)}
    names |= {f"K{i:03d}": f"شهرستان شماره {i}" for i in range(429)}
    names |= {f"C{i:05d}": f"شورای اسلامی روستای شماره {i}" for i in range(32_000)}
    names |= {str(i): f"عضو هیأت شماره {i}" for i in range(1_287)}
    i18n = make_i18n("fa")
    with i18n.context(), i18n.use_locale("fa"):
        text = report_text(report, names, "سراسر کشور", None)
        rows, title, ylabel = chart_of(report, names, "سراسر کشور", council=False)
    lines = text.split("\n")
    start = lines.index("به تفکیک استان:")
    assert [line.split(":")[0] for line in lines[start + 1 : start + 32]] == [
        f"• استان {name}" for name in PROVINCE_NAMES
    ]
    assert not any("شهرستان شماره" in line for line in lines)
    assert len(text) <= 4096
    assert (len(rows), rows[0], title, ylabel) == (
        31,
        ("آذربایجان شرقی", 100 * busy(32_258).objection_rate),
        "نرخ اعتراض هیأت تطبیق به تفکیک استان — سراسر کشور",
        "نرخ اعتراض (٪)",
    )


def test_a_county_of_a_hundred_councils_charts_its_busiest() -> None:
    """116 village councils in one county: the chart has the 31 with the most resolutions, in code order;
    the text and the workbook still have them all."""
    now = dt.datetime(2026, 12, 13, 6, 30, tzinfo=UTC)

    def council(i: int) -> UnitFigures:
        n = 10 + i % 40
        by_status = dict.fromkeys(Status, 0) | {Status.ENFORCEABLE: n - 1, Status.OBJECTED: 1}
        figures = Figures(n, MappingProxyType(by_status), 1, n, n, 0, 0, n - 1, 3.0, 0)
        return UnitFigures(f"C{i:03d}", "K", figures)

    councils = tuple(council(i) for i in range(116))
    report = Report(now, councils[0].figures, (UnitFigures("K", "K", councils[0].figures),), councils, ())
    names = {f"C{i:03d}": f"شورای اسلامی روستای شماره {i}" for i in range(116)}
    i18n = make_i18n("fa")
    with i18n.context(), i18n.use_locale("fa"):
        rows, title, _ylabel = chart_of(report, names, "شهرستان شاهرود", council=False)
    # 49 to 38 resolutions: councils 28–39 and 68–79 (i % 40 from 28 up) and 108–115; the three with 38
    # (28, 68, 108) tie for the last two places, which go to the lower codes.
    busiest = [*range(28, 40), *range(68, 80), *range(109, 116)]
    assert [label for label, _ in rows] == [f"روستای شماره {i}" for i in busiest]
    assert title == "نرخ اعتراض هیأت تطبیق در ۳۱ شورای دارای بیشترین مصوبه — شهرستان شاهرود"
