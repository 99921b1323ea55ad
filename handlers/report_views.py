"""The words of ``/report``: the text summary, the workbook's labels, the chart's rows and titles, refusals.

Figures are shown with Persian digits: rates as «۱۴٫۳٪», medians as «۴٫۵ روز», «—» where there is nothing
to divide by. The text is for a phone: the overall figures, a line per county when there are several, and
only the busiest councils and board members (everything is in the Excel file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from council.jalali import format_jalali_date, format_jalali_datetime, gregorian_to_jalali, tehran_date
from council.performance import Figures, MemberFigures, Report, UnitFigures
from council.queries import DayRange
from council.status import Status
from council.text import one_decimal, to_persian_digits
from exports.excel import LABEL_KEYS, PROVINCE_LABEL_KEYS

from .callbacks import ReportCallback
from .views import status_label

#: How many councils and board members the text names; the rest are in the Excel file.
TOP_LINES = 5
#: The most bars a chart draws on its 1000 pixels (31 provinces; a county's councils beyond it are cut).
CHART_BARS = 31
UNDEFINED = "—"
_PERSIAN_DECIMAL = "\u066b"
# Generic leading words left out of chart labels, where space is short:
# «شورای اسلامی شهر سمنان» → «شهر سمنان», «استان سمنان» → «سمنان».
_GENERIC_PREFIXES = ("شورای اسلامی ", "شهرستان ", "استان ")


def decimal_text(value: float) -> str:
    """One decimal, Persian digits and the Persian decimal separator: «۴٫۵»."""
    return to_persian_digits(one_decimal(value)).replace(".", _PERSIAN_DECIMAL)


def percent_text(rate: float | None) -> str:
    """A rate of 0–1 as «۱۴٫۳٪», or «—» when undefined."""
    if rate is None:
        return UNDEFINED
    return _("{value}%").format(value=decimal_text(rate * 100))


def days_text(days: float | None) -> str:
    """A number of days as «۴٫۵ روز», or «—» when undefined."""
    if days is None:
        return UNDEFINED
    return _("{value} days").format(value=decimal_text(days))


def _n(value: int) -> str:
    return to_persian_digits(value)


def refusal_text() -> str:
    return _(
        "Performance reports are for supervising officials, conformity board secretaries and administrators."
    )


def bad_period_text(reversed_period: bool) -> str:
    """The period could not be read (or ends before it starts): what forms are accepted."""
    first = (
        _("The period ends before it starts; put the earlier date first.")
        if reversed_period
        else _("I could not read the period.")
    )
    forms = _(
        "Write it as a year (۱۴۰۵), a month (۱۴۰۵/۰۷), a day (۱۴۰۵/۰۷/۱۵), a range "
        "(۱۴۰۵/۰۷/۰۱-۱۴۰۵/۰۹/۳۰ or «۱۴۰۵/۰۷ تا ۱۴۰۵/۰۹»), or in words: امروز، دیروز، این هفته، "
        "هفته گذشته، این ماه، ماه گذشته، امسال، پارسال.\nFor example: /report شاهرود ۱۴۰۵/۰۷"
    )
    return f"{first}\n{forms}"


def which_place_text() -> str:
    return _("Which one do you mean?")


def which_place_keyboard(
    owner: int, choices: Sequence[tuple[str, int, str]], days: DayRange | None
) -> InlineKeyboardMarkup:
    """One button per ``(kind, id, name)``; the period goes with the button."""
    first, last = (days.first.toordinal(), days.last.toordinal()) if days else (0, 0)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=name,
                    callback_data=ReportCallback(
                        owner=owner, kind=kind, unit=unit, first=first, last=last
                    ).pack(),
                )
            ]
            for kind, unit, name in choices
        ]
    )


def period_text(days: DayRange | None) -> str:
    if days is None:
        return _("all resolutions so far")
    if days.first == days.last:
        return format_jalali_date(days.first)
    return _("{first} to {last}").format(
        first=format_jalali_date(days.first), last=format_jalali_date(days.last)
    )


def nothing_text(place: str, days: DayRange | None) -> str:
    """Nothing was submitted in the period: no figures and no files."""
    if days is None:
        return _("{place} has no submitted resolutions yet.").format(place=place)
    return _("No resolution of {place} was submitted in {period}.").format(
        place=place, period=period_text(days)
    )


def _figure_lines(figures: Figures) -> list[str]:
    lines = [_("Resolutions: {total}").format(total=_n(figures.total))]
    lines.extend(
        f"  • {status_label(status)}: {_n(count)}"
        for status in Status
        if (count := figures.by_status[status])
    )
    lines += [
        _("Objection rate: {rate} ({objected} of {closed} reviews closed)").format(
            rate=percent_text(figures.objection_rate),
            objected=_n(figures.objected),
            closed=_n(figures.reviews_closed),
        ),
        _("Submitted on time: {on_time}; late: {late}").format(
            on_time=_n(figures.submitted_on_time), late=_n(figures.submitted_late)
        ),
        _("Reviews lapsed without a ruling: {n}").format(n=_n(figures.lapsed)),
        _("Median time to a ruling: {days}").format(days=days_text(figures.median_days_to_ruling)),
        _("Answers to objections overdue: {n}").format(n=_n(figures.reconsiderations_overdue)),
    ]
    return lines


def _unit_line(unit: UnitFigures, names: Mapping[str, str]) -> str:
    figures = unit.figures
    return _("• {name}: {total} resolutions, objections {rate}, late {late}, lapsed {lapsed}").format(
        name=names.get(unit.code, unit.code),
        total=_n(figures.total),
        rate=percent_text(figures.objection_rate),
        late=_n(figures.submitted_late),
        lapsed=_n(figures.lapsed),
    )


def _member_line(member: MemberFigures, names: Mapping[str, str]) -> str:
    return _("• {name}: {on_time} of {due} votes on time; missed {missed}").format(
        name=names.get(member.member_id, member.member_id),
        on_time=_n(member.on_time),
        due=_n(member.due),
        missed=_n(member.missed),
    )


def _more_line(shown: int, total: int) -> list[str]:
    if total <= shown:
        return []
    return [_("  … and {n} more in the Excel file").format(n=_n(total - shown))]


def report_text(report: Report, names: Mapping[str, str], place: str, days: DayRange | None) -> str:
    """The summary: overall figures, per province (when several) or else per county (when several), the
    busiest councils and the board members with the most votes due."""
    head = [
        _("Performance report: {place}").format(place=place),
        _("Period: {period}").format(period=period_text(days)),
        _("As of {now}").format(now=format_jalali_datetime(report.now)),
    ]
    parts = ["\n".join(head), "\n".join(_figure_lines(report.overall))]
    if len(report.provinces) > 1:
        # The nation: a line per province (a line per county would be hundreds, past a message's length).
        parts.append("\n".join([_("By province:"), *(_unit_line(unit, names) for unit in report.provinces)]))
    elif len(report.counties) > 1:
        parts.append("\n".join([_("By county:"), *(_unit_line(unit, names) for unit in report.counties)]))
    if len(report.councils) > 1:
        busiest = sorted(report.councils, key=lambda unit: (-unit.figures.total, unit.code))[:TOP_LINES]
        parts.append(
            "\n".join(
                [
                    _("Councils with the most resolutions:"),
                    *(_unit_line(unit, names) for unit in busiest),
                    *_more_line(len(busiest), len(report.councils)),
                ]
            )
        )
    due = [member for member in report.members if member.due]
    if due:
        on_time = sum(member.on_time for member in due)
        owed = sum(member.due for member in due)
        rate = on_time / owed if owed else None
        top = sorted(due, key=lambda member: (-member.due, names.get(member.member_id, member.member_id)))
        top = top[:TOP_LINES]
        parts.append(
            "\n".join(
                [
                    _("Board members' votes on time: {on_time} of {due} ({rate})").format(
                        on_time=_n(on_time), due=_n(owed), rate=percent_text(rate)
                    ),
                    *(_member_line(member, names) for member in top),
                    *_more_line(len(top), len(due)),
                ]
            )
        )
    parts.append(_("The details are in the Excel file below."))
    return "\n\n".join(parts)


def file_stamp(now: dt.datetime) -> str:
    """The Jalali date of ``now`` in Tehran for file names: ``1405-09-06``."""
    year, month, day = gregorian_to_jalali(tehran_date(now))
    return f"{year:04d}-{month:02d}-{day:02d}"


def workbook_labels(place: str) -> dict[str, str]:
    """Every label :func:`exports.excel.report_workbook` needs, from the catalogue."""
    labels = {
        "sheet.summary": _("Summary"),
        "sheet.provinces": _("Provinces"),
        "sheet.counties": _("Counties"),
        "sheet.councils": _("Councils"),
        "sheet.members": _("Board members"),
        "title": _("Performance report: {place}").format(place=place),
        "period_from": _("From"),
        "period_to": _("To"),
        "generated_at": _("Prepared on"),
        "col.code": _("Code"),
        "col.name": _("Name"),
        "col.county": _("County"),
        "col.total": _("Resolutions"),
        **{f"status.{status.value}": status_label(status) for status in Status},
        "col.objected": _("Objected"),
        "col.objection_rate": _("Objection rate"),
        "col.submitted_on_time": _("Submitted on time"),
        "col.submitted_late": _("Submitted late"),
        "col.lapsed": _("Review lapsed"),
        "col.ruled": _("Ruled"),
        "col.median_days_to_ruling": _("Median days to a ruling"),
        "col.reconsiderations_overdue": _("Answers to objections overdue"),
        "col.member": _("Member"),
        "col.votes_due": _("Votes due"),
        "col.votes_on_time": _("On time"),
        "col.votes_late": _("Late"),
        "col.votes_missed": _("Missed"),
        "col.votes_pending": _("Not yet due"),
        "col.votes_on_time_rate": _("On-time rate"),
    }
    assert set(labels) == {*LABEL_KEYS, *PROVINCE_LABEL_KEYS}
    return labels


def excel_caption(place: str) -> str:
    return _("Performance report of {place} (Excel)").format(place=place)


def short_name(name: str) -> str:
    """A unit's name without its generic leading words, for a chart's crowded axis."""
    for prefix in _GENERIC_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def chart_of(
    report: Report, names: Mapping[str, str], place: str, council: bool
) -> tuple[list[tuple[str, float]], str, str]:
    """What the bar chart shows: ``(rows, title, y label)``.

    An official compares places by how often their board objects: the objection rate (in percent) per
    province when the report covers several (the nation: some thirty bars; one per county would be
    hundreds, unreadable on a phone — the counties are in the Excel file and in a province's report), per
    county when it covers several counties of one province, per council when it covers one county (its
    :data:`CHART_BARS` councils with the most resolutions when it has more: a hundred bars are unreadable,
    every council is in the Excel file), leaving out places with no review closed yet (a rate of nothing
    says nothing). When no place has a closed review, the number of resolutions per place instead. For one
    council, its resolutions by status.
    """
    if council:
        overall = report.overall
        rows = [(status_label(s), float(n)) for s in Status if (n := overall.by_status[s])]
        return rows, _("Resolutions of {place} by status").format(place=place), _("Resolutions")
    if len(report.provinces) > 1:
        units = report.provinces
        rate_title, count_title = (
            _("Objection rate by province: {place}"),
            _("Resolutions by province: {place}"),
        )
    elif len(report.counties) > 1:
        units = report.counties
        rate_title, count_title = _("Objection rate by county: {place}"), _("Resolutions by county: {place}")
    elif len(report.councils) > CHART_BARS:
        # A county of a hundred village councils: its busiest ones, in their usual order.
        ranked = sorted(report.councils, key=lambda unit: (-unit.figures.total, unit.code))
        busiest = {unit.code for unit in ranked[:CHART_BARS]}
        units = tuple(unit for unit in report.councils if unit.code in busiest)
        rate_title = _("Objection rate of the {n} councils with the most resolutions: {place}")
        count_title = _("Resolutions of the {n} councils with the most resolutions: {place}")
    else:
        units = report.councils
        rate_title, count_title = (
            _("Objection rate by council: {place}"),
            _("Resolutions by council: {place}"),
        )
    rates = [
        (short_name(names.get(unit.code, unit.code)), unit.figures.objection_rate * 100)
        for unit in units
        if unit.figures.objection_rate is not None
    ]
    if rates:
        return rates, rate_title.format(place=place, n=_n(CHART_BARS)), _("Objection rate (%)")
    counts = [(short_name(names.get(unit.code, unit.code)), float(unit.figures.total)) for unit in units]
    return counts, count_title.format(place=place, n=_n(CHART_BARS)), _("Resolutions")
