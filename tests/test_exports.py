"""The report as files: the Excel workbook opened and its cells read, the chart's size, labels and glyphs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import struct
from pathlib import Path

import pytest
from matplotlib import font_manager, ft2font
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from council.performance import ResolutionRow, UnitFigures, VoteRow, build_report
from council.status import Status
from exports.chart import (
    DPI,
    FONT,
    HEIGHT_PX,
    WIDTH_PX,
    chart_height,
    county_bar_chart,
    county_bar_figure,
    has_text_shaping,
    persian_number,
)
from exports.excel import LABEL_KEYS, report_workbook

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 1405/09/06 13:30 Tehran
T0 = dt.datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
DAY = dt.timedelta(days=1)

STATUS_LABELS = {
    Status.UNDER_REVIEW: "در حال بررسی",
    Status.ENFORCEABLE: "لازم‌الاجرا",
    Status.ENFORCEABLE_LAPSED: "لازم‌الاجرا (انقضای مهلت)",
    Status.OBJECTED: "اعتراض هیأت تطبیق",
    Status.REVOKED: "لغو شده",
    Status.ESCALATED: "ارجاع به مرجع حل اختلاف",
    Status.UPHELD: "تأیید نهایی",
    Status.ANNULLED: "ابطال شده",
}
FIGURE_HEADERS = [
    "تعداد",
    *STATUS_LABELS.values(),
    "اعتراض‌شده",
    "نرخ اعتراض",
    "ارسال به‌موقع",
    "ارسال با تأخیر",
    "انقضای مهلت بررسی",
    "رأی‌داده‌شده",
    "میانه روز تا رأی",
    "پاسخ معوق به اعتراض",
]
LABELS = {
    "sheet.summary": "خلاصه",
    "sheet.counties": "شهرستان‌ها",
    "sheet.councils": "شوراها",
    "sheet.members": "اعضای هیأت",
    "title": "گزارش عملکرد استان سمنان",
    "period_from": "از",
    "period_to": "تا",
    "generated_at": "تاریخ تهیه",
    "col.code": "کد",
    "col.name": "نام",
    "col.county": "شهرستان",
    **dict(zip([f"status.{s.value}" for s in STATUS_LABELS], STATUS_LABELS.values(), strict=True)),
    "col.total": FIGURE_HEADERS[0],
    "col.objected": FIGURE_HEADERS[9],
    "col.objection_rate": FIGURE_HEADERS[10],
    "col.submitted_on_time": FIGURE_HEADERS[11],
    "col.submitted_late": FIGURE_HEADERS[12],
    "col.lapsed": FIGURE_HEADERS[13],
    "col.ruled": FIGURE_HEADERS[14],
    "col.median_days_to_ruling": FIGURE_HEADERS[15],
    "col.reconsiderations_overdue": FIGURE_HEADERS[16],
    "col.member": "عضو",
    "col.votes_due": "رأی لازم",
    "col.votes_on_time": "به‌موقع",
    "col.votes_late": "با تأخیر",
    "col.votes_missed": "داده‌نشده",
    "col.votes_pending": "در انتظار",
    "col.votes_on_time_rate": "نرخ به‌موقع",
}
NAMES = {
    "SMN-SHR": "شهرستان شاهرود",
    "SMN-DMG": "شهرستان دامغان",
    "C-SHR-SHAHRUD": "شورای اسلامی شهر شاهرود",
    "C-SHR-ABR": "شورای اسلامی روستای ابر",
    "C-DMG-DAMGHAN": "شورای اسلامی شهر دامغان",
    "m1": "زهرا کریمی",
}


def _row(
    council: str, county: str, status: Status, ruled_after: float | None, late: bool = False
) -> ResolutionRow:
    return ResolutionRow(
        council_code=council,
        county_code=county,
        submitted_at=T0,
        late=late,
        status=status,
        ruled_at=None if ruled_after is None else T0 + ruled_after * DAY,
        review_deadline=T0 + 14 * DAY,
        reconsideration_deadline=T0 + 20 * DAY if status is Status.OBJECTED else None,
    )


ROWS = [
    _row("C-SHR-SHAHRUD", "SMN-SHR", Status.ENFORCEABLE, 3),
    _row("C-SHR-SHAHRUD", "SMN-SHR", Status.OBJECTED, 6),
    _row("C-SHR-ABR", "SMN-SHR", Status.ENFORCEABLE_LAPSED, None, late=True),
    _row("C-DMG-DAMGHAN", "SMN-DMG", Status.UNDER_REVIEW, None),
]
VOTES = [VoteRow("m1", T0 + DAY, T0 + 14 * DAY), VoteRow("m1", None, T0 + 14 * DAY)]
REPORT = build_report(ROWS, VOTES, NOW)
PERIOD = (dt.date(2026, 9, 23), dt.date(2026, 11, 21))  # 1405/07/01 – 1405/08/30


@pytest.fixture(scope="module")
def book() -> Workbook:
    return load_workbook(io.BytesIO(report_workbook(REPORT, LABELS, NAMES, PERIOD)))


def _values(sheet: Worksheet, row: int) -> list[object]:
    return [cell.value for cell in sheet[row]]


def test_the_label_keys_are_the_ones_the_test_gives() -> None:
    assert set(LABEL_KEYS) == set(LABELS)


def test_sheets_are_named_by_the_caller_and_read_right_to_left(book: Workbook) -> None:
    assert book.sheetnames == ["خلاصه", "شهرستان‌ها", "شوراها", "اعضای هیأت"]
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)


def test_the_summary_has_the_title_jalali_dates_and_overall_figures(book: Workbook) -> None:
    sheet = book["خلاصه"]
    assert _values(sheet, 1) == ["گزارش عملکرد استان سمنان", None]
    assert _values(sheet, 2) == ["از", "۱۴۰۵/۰۷/۰۱"]
    assert _values(sheet, 3) == ["تا", "۱۴۰۵/۰۸/۳۰"]
    assert _values(sheet, 4) == ["تاریخ تهیه", "۱۴۰۵/۰۹/۰۶ ساعت ۱۳:۳۰"]
    figures = {sheet.cell(row, 1).value: sheet.cell(row, 2) for row in range(6, sheet.max_row + 1)}
    assert list(figures) == FIGURE_HEADERS
    assert figures["تعداد"].value == 4
    assert figures["نرخ اعتراض"].value == pytest.approx(1 / 3)
    assert figures["نرخ اعتراض"].number_format == "0.0%"
    assert figures["میانه روز تا رأی"].value == 4.5
    assert figures["ارسال با تأخیر"].value == 1


def test_counties_sheet(book: Workbook) -> None:
    sheet = book["شهرستان‌ها"]
    assert _values(sheet, 1) == ["کد", "نام", *FIGURE_HEADERS]
    assert sheet.max_row == 3
    assert _values(sheet, 2) == [
        "SMN-DMG",
        "شهرستان دامغان",
        1,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        None,
        1,
        0,
        0,
        0,
        None,
        0,
    ]
    assert _values(sheet, 3) == [
        "SMN-SHR", "شهرستان شاهرود", 3, 0, 1, 1, 1, 0, 0, 0, 0, 1, pytest.approx(1 / 3), 2, 1, 1, 2, 4.5, 1
    ]  # fmt: skip
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(3, 13).number_format == "0.0%"
    assert sheet.cell(1, 1).font.bold


def test_councils_sheet_names_each_councils_county(book: Workbook) -> None:
    sheet = book["شوراها"]
    assert _values(sheet, 1)[:4] == ["کد", "نام", "شهرستان", "تعداد"]
    assert [_values(sheet, row)[:4] for row in range(2, sheet.max_row + 1)] == [
        ["C-DMG-DAMGHAN", "شورای اسلامی شهر دامغان", "شهرستان دامغان", 1],
        ["C-SHR-ABR", "شورای اسلامی روستای ابر", "شهرستان شاهرود", 1],
        ["C-SHR-SHAHRUD", "شورای اسلامی شهر شاهرود", "شهرستان شاهرود", 2],
    ]


def test_members_sheet(book: Workbook) -> None:
    sheet = book["اعضای هیأت"]
    assert _values(sheet, 1) == [
        "کد",
        "عضو",
        "رأی لازم",
        "به‌موقع",
        "با تأخیر",
        "داده‌نشده",
        "در انتظار",
        "نرخ به‌موقع",
    ]
    assert _values(sheet, 2) == ["m1", "زهرا کریمی", 2, 1, 0, 1, 0, 0.5]
    assert sheet.cell(2, 8).number_format == "0.0%"


def test_columns_are_wide_enough_for_their_contents(book: Workbook) -> None:
    sheet = book["شوراها"]
    assert sheet.column_dimensions["B"].width == len("شورای اسلامی روستای ابر") + 2
    assert all(sheet.column_dimensions[letter].width >= 8 for letter in "ABCDEFGH")


def test_table_sheets_keep_their_header_in_view_the_summary_scrolls(book: Workbook) -> None:
    assert book["خلاصه"].freeze_panes is None
    assert [book[name].freeze_panes for name in book.sheetnames[1:]] == ["A2", "A2", "A2"]


def test_headers_are_bold_centred_and_wrapped_and_the_title_large(book: Workbook) -> None:
    for name in book.sheetnames[1:]:
        sheet = book[name]
        assert all(
            (cell.font.bold, cell.alignment.horizontal, cell.alignment.vertical, cell.alignment.wrap_text)
            == (True, "center", "center", True)
            for cell in sheet[1]
        )
        assert not any(cell.font.bold for cell in sheet[2])
    summary = book["خلاصه"]
    assert (summary["A1"].font.bold, summary["A1"].font.size) == (True, 14)
    assert not summary["A2"].font.bold and not summary["B4"].font.bold
    assert [summary.cell(row, 1).font.bold for row in range(6, summary.max_row + 1)] == [True] * 17
    assert not any(summary.cell(row, 2).font.bold for row in range(6, summary.max_row + 1))


def test_every_rate_is_a_percentage_and_every_median_has_one_decimal(book: Workbook) -> None:
    # Rows with no median (an empty cell) keep the format too, as openpyxl wrote it before.
    for name, rate, median in (("شهرستان‌ها", 13, 18), ("شوراها", 14, 19)):
        sheet = book[name]
        formats = [[cell.number_format for cell in row] for row in sheet.iter_rows(min_row=2)]
        assert [row[rate - 1] for row in formats] == ["0.0%"] * (sheet.max_row - 1)
        assert [row[median - 1] for row in formats] == ["0.0"] * (sheet.max_row - 1)
        others = {f for row in formats for i, f in enumerate(row, 1) if i not in (rate, median)}
        assert others == {"General"}
        assert sheet.cell(1, rate).number_format == "General"
    assert book["شهرستان‌ها"]["R2"].value is None and book["شهرستان‌ها"]["R3"].value == 4.5
    assert [cell.number_format for cell in book["اعضای هیأت"][2]] == ["General"] * 7 + ["0.0%"]
    summary = book["خلاصه"]
    formats = {summary.cell(row, 1).value: summary.cell(row, 2).number_format for row in range(6, 23)}
    assert formats == {header: "General" for header in FIGURE_HEADERS} | {
        "نرخ اعتراض": "0.0%",
        "میانه روز تا رأی": "0.0",
    }


def test_every_column_is_as_wide_as_its_longest_value(book: Workbook) -> None:
    def widths(name: str) -> list[float | None]:
        sheet = book[name]
        return [sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]]

    # The title (24 characters) and the longest status (25) plus 2; the Jalali time (21) plus 2.
    assert [book["خلاصه"].column_dimensions[letter].width for letter in "AB"] == [27, 23]
    assert widths("شهرستان‌ها") == [9, 16, 8, 14, 13, 27, 19, 9, 25, 13, 11, 12, 20, 15, 16, 19, 14, 18, 21]
    assert widths("شوراها") == [15, 25, 16, 8, 14, 13, 27, 19, 9, 25, 13, 11, 12, 12, 15, 16, 19, 14, 18, 21]
    assert widths("اعضای هیأت") == [8, 12, 10, 9, 10, 11, 11, 13]


def test_names_are_text_whatever_characters_they_hold() -> None:
    # Markup characters are escaped, characters a spreadsheet cannot hold are dropped, and a name that
    # looks like a formula stays a name.
    names = {**NAMES, "C-SHR-ABR": "شورا <ابر> & \x07«روستا»", "C-DMG-DAMGHAN": "=1+1", "m1": " زهرا "}
    book = load_workbook(io.BytesIO(report_workbook(REPORT, LABELS, names, PERIOD)))
    councils = book["شوراها"]
    assert [(cell.value, cell.data_type) for cell in councils["B"][1:]] == [
        ("=1+1", "s"),
        ("شورا <ابر> & «روستا»", "s"),
        ("شورای اسلامی شهر شاهرود", "s"),
    ]
    assert book["اعضای هیأت"]["B2"].value == " زهرا "


def test_a_nation_wide_report_has_a_provinces_sheet_after_the_summary() -> None:
    report = dataclasses.replace(
        REPORT,
        provinces=(UnitFigures("SMN", "SMN", REPORT.overall), UnitFigures("QOM", "QOM", REPORT.overall)),
    )
    with pytest.raises(KeyError, match=r"sheet\.provinces"):
        report_workbook(report, LABELS)
    labels = {**LABELS, "sheet.provinces": "استان‌ها"}
    book = load_workbook(io.BytesIO(report_workbook(report, labels, {"SMN": "استان سمنان"}, PERIOD)))
    assert book.sheetnames == ["خلاصه", "استان‌ها", "شهرستان‌ها", "شوراها", "اعضای هیأت"]
    sheet = book["استان‌ها"]
    assert (sheet.freeze_panes, sheet.sheet_view.rightToLeft) == ("A2", True)
    assert [_values(sheet, row)[:3] for row in (2, 3)] == [["SMN", "استان سمنان", 4], ["QOM", "QOM", 4]]
    assert (sheet["M2"].value, sheet["M2"].number_format) == (pytest.approx(1 / 3), "0.0%")
    assert (sheet["R2"].value, sheet["R2"].number_format) == (4.5, "0.0")
    assert [sheet.column_dimensions[letter].width for letter in "ABC"] == [8, 13, 8]


def test_a_missing_label_is_refused() -> None:
    labels = dict(LABELS)
    del labels["col.lapsed"]
    with pytest.raises(KeyError, match=r"col\.lapsed"):
        report_workbook(REPORT, labels)


# --- chart

COUNTIES = [
    ("سمنان", 42),
    ("شاهرود", 35),
    ("دامغان", 18),
    ("گرمسار", 12),
    ("مهدی\u200cشهر", 9),
    ("آرادان", 5),
    ("سرخه", 4),
    ("میامی", 2),
    ("بیارجمند", 1),
]
TITLE = "مصوبات هر شهرستان، ۱۴۰۵/۰۷/۰۱ تا ۱۴۰۵/۰۸/۳۰"
YLABEL = "تعداد مصوبات"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_chart_is_a_png_of_fixed_size() -> None:
    data = county_bar_chart(COUNTIES, TITLE, YLABEL)
    assert _png_size(data) == (WIDTH_PX, HEIGHT_PX) == (1000, 600)
    assert 10_000 < len(data) < 200_000
    # A human looks at docs/screenshots/chart-sample.png (make screenshots sets SCREENSHOT_DIR).
    if folder := os.environ.get("SCREENSHOT_DIR"):
        Path(folder, "chart-sample.png").write_bytes(data)


def test_matplotlib_shapes_persian_itself() -> None:
    # Without libraqm the letters would be drawn unjoined and left to right.
    assert has_text_shaping()


def test_the_font_has_every_letter_and_digit_drawn() -> None:
    font = ft2font.FT2Font(font_manager.findfont(FONT, fallback_to_default=False))
    assert Path(os.fsdecode(font.fname)).name == "DejaVuSans.ttf"
    charmap = font.get_charmap()
    drawn = "".join(label for label, _ in COUNTIES) + TITLE + YLABEL + "۰۱۲۳۴۵۶۷۸۹٫پچژگکی"
    missing = {char for char in drawn if char not in " \u200c،/" and ord(char) not in charmap}
    assert missing == set()


def test_bars_run_right_to_left_with_persian_digits() -> None:
    figure = county_bar_figure(COUNTIES, TITLE, YLABEL)
    figure.canvas.draw()
    axes = figure.axes[0]
    ticks = sorted(
        zip(axes.get_xticks(), (label.get_text() for label in axes.get_xticklabels()), strict=True)
    )
    assert [text for _, text in ticks] == [label for label, _ in reversed(COUNTIES)]
    low, high = axes.get_ylim()
    yticks = [label.get_text() for label in axes.get_yticklabels() if low <= label.get_position()[1] <= high]
    assert yticks == ["۰", "۵", "۱۰", "۱۵", "۲۰", "۲۵", "۳۰", "۳۵", "۴۰", "۴۵"]
    assert [text.get_text() for text in axes.texts] == ["۴۲", "۳۵", "۱۸", "۱۲", "۹", "۵", "۴", "۲", "۱"]
    assert axes.get_title() == TITLE
    assert axes.get_ylabel() == YLABEL
    assert tuple(figure.get_size_inches() * DPI) == (WIDTH_PX, HEIGHT_PX)


@pytest.mark.parametrize(("value", "text"), [(0, "۰"), (12, "۱۲"), (12.0, "۱۲"), (2.5, "۲٫۵"), (2.25, "۲٫۳")])
def test_persian_numbers(value: float, text: str) -> None:
    assert persian_number(value) == text


PROVINCES = [
    ("آذربایجان شرقی", 5.0), ("آذربایجان غربی", 12.5), ("اردبیل", 20.0), ("اصفهان", 26.0), ("البرز", 10.5),
    ("ایلام", 18.0), ("بوشهر", 24.0), ("تهران", 8.5), ("چهارمحال و بختیاری", 16.0), ("خراسان جنوبی", 22.0),
    ("خراسان رضوی", 6.5), ("خراسان شمالی", 14.0), ("خوزستان", 20.0), ("زنجان", 27.5), ("سمنان", 12.0),
    ("سیستان و بلوچستان", 18.0), ("فارس", 25.5), ("قزوین", 10.0), ("قم", 16.0), ("کردستان", 23.5),
    ("کرمان", 8.0), ("کرمانشاه", 14.0), ("کهگیلویه و بویراحمد", 21.5), ("گلستان", 6.0), ("گیلان", 12.0),
    ("لرستان", 19.5), ("مازندران", 27.0), ("مرکزی", 10.0), ("هرمزگان", 17.5), ("همدان", 25.0), ("یزد", 8.0),
]  # fmt: skip


def test_thirty_one_bars_lie_down_one_name_under_another_read_from_the_right() -> None:
    title, label = "نرخ اعتراض به تفکیک استان: کشور", "درصد"
    data = county_bar_chart(PROVINCES, title, label)
    assert _png_size(data) == (WIDTH_PX, chart_height(31)) == (1000, 812)
    # Kept for a look (make screenshots): names joined, right to left, none cut at the edge.
    if folder := os.environ.get("SCREENSHOT_DIR"):
        Path(folder, "chart-provinces.png").write_bytes(data)
    figure = county_bar_figure(PROVINCES, title, label)
    figure.canvas.draw()
    axes = figure.axes[0]
    # The first province on top, the names on the right, the bars growing to the left.
    shown = (name.get_text() for name in axes.get_yticklabels())
    names = sorted(zip(axes.get_yticks(), shown, strict=True), reverse=True)
    assert [name for _, name in names] == [name for name, _ in PROVINCES]
    assert axes.xaxis_inverted()
    assert axes.yaxis.get_ticks_position() == "right"
    left, right = axes.get_xlim()
    ticks = [tick.get_text() for tick in axes.get_xticklabels() if right <= tick.get_position()[0] <= left]
    assert ticks == ["۰", "۴", "۸", "۱۲", "۱۶", "۲۰", "۲۴", "۲۸"]
    assert [text.get_text() for text in axes.texts][:3] == ["۵", "۱۲٫۵", "۲۰"]
    assert (axes.get_title(), axes.get_xlabel()) == (title, label)
    # Room for the longest name, which matplotlib measures narrower than it is drawn.
    renderer = figure.canvas.get_renderer()
    drawn_ends = [
        (box := name.get_window_extent(renderer)).x0 + 1.3 * box.width for name in axes.get_yticklabels()
    ]
    assert max(drawn_ends) <= WIDTH_PX


def test_twelve_bars_still_stand_and_keep_the_fixed_size() -> None:
    assert chart_height(12) == HEIGHT_PX
    assert _png_size(county_bar_chart(PROVINCES[:12], "عنوان", "درصد")) == (1000, 600)
