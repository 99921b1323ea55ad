"""The performance report as an Excel workbook: right-to-left sheets, Persian headers, Jalali dates."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from council.jalali import format_jalali_date, format_jalali_datetime
from council.performance import Figures, MemberFigures, Report, UnitFigures
from council.status import Status
from council.text import one_decimal

#: The words the workbook shows; the caller gives them all (from the message catalogue).
LABEL_KEYS: tuple[str, ...] = (
    "sheet.summary",
    "sheet.counties",
    "sheet.councils",
    "sheet.members",
    "title",
    "period_from",
    "period_to",
    "generated_at",
    "col.code",
    "col.name",
    "col.county",
    "col.total",
    *(f"status.{status.value}" for status in Status),
    "col.objected",
    "col.objection_rate",
    "col.submitted_on_time",
    "col.submitted_late",
    "col.lapsed",
    "col.ruled",
    "col.median_days_to_ruling",
    "col.reconsiderations_overdue",
    "col.member",
    "col.votes_due",
    "col.votes_on_time",
    "col.votes_late",
    "col.votes_missed",
    "col.votes_pending",
    "col.votes_on_time_rate",
)

#: The words a report with figures for several provinces also needs (its provinces sheet).
PROVINCE_LABEL_KEYS: tuple[str, ...] = ("sheet.provinces",)

_PERCENT = "0.0%"
_ONE_DECIMAL = "0.0"
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WRAP_HEADER = Alignment(horizontal="center", vertical="center", wrap_text=True)

Cell = str | int | float | None


def report_workbook(
    report: Report,
    labels: Mapping[str, str],
    names: Mapping[str, str] | None = None,
    period: tuple[dt.date, dt.date] | None = None,
) -> bytes:
    """The report as an ``.xlsx`` file: a summary sheet, then provinces (when the report has figures for
    several), counties, councils and board members.

    ``labels`` must have every key of :data:`LABEL_KEYS` (and of :data:`PROVINCE_LABEL_KEYS` for several
    provinces); ``names`` maps county, council and member codes
    to the names to show (a code without a name is shown as is). ``period`` (first and last day) is shown
    on the summary sheet as Jalali dates in Persian digits, as is the report's time. Counts are numbers,
    rates are formatted as percentages; every sheet reads right to left.
    """
    several = len(report.provinces) > 1
    missing = [key for key in (*LABEL_KEYS, *(PROVINCE_LABEL_KEYS if several else ())) if key not in labels]
    if missing:
        raise KeyError(f"labels missing: {', '.join(missing)}")
    names = names or {}
    # Write-only: rows are streamed to the file as they are appended instead of kept as cell objects (the
    # nation's 32,000 councils took 13-20 s and hundreds of MiB the ordinary way). Everything a sheet shows
    # besides its cells (reading direction, frozen header, column widths) is therefore set before its rows.
    book = Workbook(write_only=True)
    _summary(book.create_sheet(labels["sheet.summary"]), report, labels, period)

    figure_headers = _figure_headers(labels)
    if several:
        _table(
            book.create_sheet(labels["sheet.provinces"]),
            [labels["col.code"], labels["col.name"], *figure_headers],
            [
                [unit.code, names.get(unit.code, unit.code), *_figure_cells(unit.figures)]
                for unit in report.provinces
            ],
            _figure_formats(3),
        )
    _table(
        book.create_sheet(labels["sheet.counties"]),
        [labels["col.code"], labels["col.name"], *figure_headers],
        [
            [unit.code, names.get(unit.code, unit.code), *_figure_cells(unit.figures)]
            for unit in report.counties
        ],
        _figure_formats(3),
    )
    _table(
        book.create_sheet(labels["sheet.councils"]),
        [labels["col.code"], labels["col.name"], labels["col.county"], *figure_headers],
        [_council_cells(unit, names) for unit in report.councils],
        _figure_formats(4),
    )
    _table(
        book.create_sheet(labels["sheet.members"]),
        [
            labels["col.code"],
            labels["col.member"],
            labels["col.votes_due"],
            labels["col.votes_on_time"],
            labels["col.votes_late"],
            labels["col.votes_missed"],
            labels["col.votes_pending"],
            labels["col.votes_on_time_rate"],
        ],
        [
            _member_cells(member, names)
            for member in sorted(report.members, key=lambda m: names.get(m.member_id, m.member_id))
        ],
        {8: _PERCENT},
    )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _summary(
    sheet: WriteOnlyWorksheet,
    report: Report,
    labels: Mapping[str, str],
    period: tuple[dt.date, dt.date] | None,
) -> None:
    rows: list[list[Cell]] = [[labels["title"]]]
    if period is not None:
        rows.append([labels["period_from"], format_jalali_date(period[0])])
        rows.append([labels["period_to"], format_jalali_date(period[1])])
    rows.append([labels["generated_at"], format_jalali_datetime(report.now)])
    rows.append([])
    figures = [
        [header, value]
        for header, value in zip(_figure_headers(labels), _figure_cells(report.overall), strict=True)
    ]
    _start(sheet, [*rows, *figures])
    sheet.append([_styled(sheet, labels["title"], font=_TITLE)])
    for row in rows[1:]:
        sheet.append(row)
    formats = {_RATE_OFFSET: _PERCENT, _MEDIAN_OFFSET: _ONE_DECIMAL}
    for offset, (header, value) in enumerate(figures):
        number_format = formats.get(offset)
        sheet.append(
            [
                _styled(sheet, header, font=_BOLD),
                value if number_format is None else _styled(sheet, value, number_format=number_format),
            ]
        )


def _figure_headers(labels: Mapping[str, str]) -> list[str]:
    return [
        labels["col.total"],
        *(labels[f"status.{status.value}"] for status in Status),
        labels["col.objected"],
        labels["col.objection_rate"],
        labels["col.submitted_on_time"],
        labels["col.submitted_late"],
        labels["col.lapsed"],
        labels["col.ruled"],
        labels["col.median_days_to_ruling"],
        labels["col.reconsiderations_overdue"],
    ]


def _figure_cells(figures: Figures) -> list[Cell]:
    median = figures.median_days_to_ruling
    return [
        figures.total,
        *(figures.by_status[status] for status in Status),
        figures.objected,
        figures.objection_rate,
        figures.submitted_on_time,
        figures.submitted_late,
        figures.lapsed,
        figures.ruled,
        None if median is None else float(one_decimal(median)),
        figures.reconsiderations_overdue,
    ]


# Offsets of the rate and the median within _figure_cells, for their number formats.
_RATE_OFFSET = 1 + len(Status) + 1
_MEDIAN_OFFSET = _RATE_OFFSET + 5


def _council_cells(unit: UnitFigures, names: Mapping[str, str]) -> list[Cell]:
    county = names.get(unit.county_code, unit.county_code)
    return [unit.code, names.get(unit.code, unit.code), county, *_figure_cells(unit.figures)]


def _member_cells(member: MemberFigures, names: Mapping[str, str]) -> list[Cell]:
    return [
        member.member_id,
        names.get(member.member_id, member.member_id),
        member.due,
        member.on_time,
        member.late,
        member.missed,
        member.pending,
        member.on_time_rate,
    ]


def _figure_formats(first_column: int) -> dict[int, str]:
    return {first_column + _RATE_OFFSET: _PERCENT, first_column + _MEDIAN_OFFSET: _ONE_DECIMAL}


def _table(
    sheet: WriteOnlyWorksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    formats: Mapping[int, str],
) -> None:
    """A sheet of a header row (bold, wrapped, frozen) and ``rows``; ``formats`` maps 1-based columns to
    the number format of their cells below the header."""
    _start(sheet, [headers, *rows])
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, header, font=_BOLD, alignment=_WRAP_HEADER) for header in headers])
    formatted = sorted((column - 1, number_format) for column, number_format in formats.items())
    for row in rows:
        cells: list[Cell | WriteOnlyCell] = [
            _text(sheet, value) if isinstance(value, str) else value for value in row
        ]
        for index, number_format in formatted:
            cells[index] = _styled(sheet, cells[index], number_format=number_format)
        sheet.append(cells)


def _start(sheet: WriteOnlyWorksheet, rows: Iterable[Sequence[Cell]]) -> None:
    """What a write-only sheet needs before its first row: right to left, and each column as wide as its
    longest value (between the minimum and maximum widths)."""
    sheet.sheet_view.rightToLeft = True
    widths: list[int] = []
    for row in rows:
        for index, value in enumerate(row):
            if index == len(widths):
                widths.append(0)
            if value is not None:
                widths[index] = max(widths[index], len(str(value)))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)


def _text(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A name as text, whatever it holds: characters a spreadsheet cannot hold (control characters, which
    openpyxl refuses — the whole report would fail) are dropped, and a name beginning with «=» stays a name
    rather than becoming a formula."""
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _styled(
    sheet: WriteOnlyWorksheet,
    value: Cell,
    *,
    font: Font | None = None,
    alignment: Alignment | None = None,
    number_format: str | None = None,
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format
    return cell
