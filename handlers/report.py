"""``/report [county|council] [Jalali period]`` (issue 6): performance figures as a text, an Excel workbook
and a bar chart, for officials (their county, province or the nation), admins and board secretaries (the
councils their board reviews). Everyone else bound to a role is refused politely.

The place is matched among the counties and councils within the asker's scope only, so a place outside it
gets the same answer as one that does not exist. When a county and councils of that same county fit the
words equally («شاهرود»: the county and its city's council), the county is meant — its report holds the
council too, and «شورای شهر شاهرود» names the council; other ties ask with buttons.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from council.clock import Clock
from council.jalali import JalaliParseError
from council.matching import Ambiguous, NotFound, Resolved, resolve_unit
from council.queries import DayRange, PeriodKind, ReversedPeriod, parse_report_request, period_days
from council.roles import Role
from council.scope import Scope, scope_of
from exports.chart import county_bar_chart
from exports.excel import report_workbook
from storage.reports import ReportUnits
from storage.repository import Repository

from .access import IsBound
from .callbacks import IsOwner, ReportCallback
from .report_views import (
    bad_period_text,
    chart_of,
    excel_caption,
    file_stamp,
    nothing_text,
    refusal_text,
    report_text,
    which_place_keyboard,
    which_place_text,
    workbook_labels,
)
from .status_views import not_found_text
from .views import scope_name

#: Who may ask for a report, and over what: their own bindings of these roles.
REPORT_ROLES = (Role.OFFICIAL, Role.ADMIN, Role.BOARD_SECRETARY)
COUNTY, COUNCIL = "county", "council"


@dataclass(frozen=True)
class Target:
    """What the report covers: the whole scope, a county (``county_code``) or a council (``council_id``)."""

    name: str
    county_code: str | None = None
    council_id: int | None = None


async def scope_title(repo: Repository, roles: list[Any]) -> str:
    """The names of the units the person's report roles cover, as they know them."""
    codes: list[str] = []
    for binding in roles:
        if binding.role in {role.value for role in REPORT_ROLES} and binding.scope_code not in codes:
            codes.append(binding.scope_code)
    return "، ".join([await scope_name(repo, code) for code in codes])


def find_place(phrase: str, units: ReportUnits) -> Target | list[tuple[str, int, str]] | None:
    """The county or council ``phrase`` names within the scope's ``units``, the tied choices, or ``None``."""
    candidates = [(f"{COUNTY}:{c.id}", c.name) for c in units.counties]
    candidates += [(f"{COUNCIL}:{c.id}", c.name) for c in units.councils]
    found = resolve_unit(phrase, candidates, limit=8)
    if isinstance(found, NotFound):
        return None
    codes = [found.code] if isinstance(found, Resolved) else [m.code for m in found.matches]
    counties = {c.id: c for c in units.counties}
    councils = {c.id: c for c in units.councils}
    chosen = [(kind, int(unit)) for kind, unit in (code.split(":") for code in codes)]
    tied_counties = [counties[unit] for kind, unit in chosen if kind == COUNTY]
    tied_councils = [councils[unit] for kind, unit in chosen if kind == COUNCIL]
    if len(tied_counties) == 1 and all(c.county_code == tied_counties[0].code for c in tied_councils):
        county = tied_counties[0]
        return Target(county.name, county_code=county.code)
    if isinstance(found, Ambiguous):
        return [
            (kind, unit, counties[unit].name if kind == COUNTY else councils[unit].name)
            for kind, unit in chosen
        ]
    council = tied_councils[0]
    return Target(council.name, council_id=council.id)


def target_of(kind: str, unit: int, units: ReportUnits) -> Target | None:
    """The place a button names, if it is still within the scope."""
    if kind == COUNTY:
        county = next((c for c in units.counties if c.id == unit), None)
        return Target(county.name, county_code=county.code) if county else None
    council = next((c for c in units.councils if c.id == unit), None)
    return Target(council.name, council_id=council.id) if council else None


async def send_report(
    message: Message, repo: Repository, scope: Scope, target: Target, days: DayRange | None, now: dt.datetime
) -> None:
    """The text, then the workbook and the chart as documents; only a message when nothing was submitted.

    The figures are aggregated in the database (``storage.reports``) and the files drawn in a worker thread,
    so no report is too large to make: the nation over four years (a million resolutions) stays within
    about half a GiB and the bot keeps answering others meanwhile (docs/PERFORMANCE.md, «/report»).
    """
    result = await repo.reports.report(
        scope,
        now,
        county_code=target.county_code,
        council_ids=None if target.council_id is None else [target.council_id],
        start=days.start if days else None,
        end=days.end if days else None,
    )
    report, names = result.report, result.names
    if not report.overall.total:
        await message.answer(nothing_text(target.name, days))
        return
    await message.answer(report_text(report, names, target.name, days))
    stamp = file_stamp(now)
    # Files are drawn in a worker thread: the nation's workbook (32,000 councils) takes seconds of CPU that
    # would otherwise stop the bot answering everyone else meanwhile.
    labels, period = workbook_labels(target.name), (days.first, days.last) if days else None
    workbook = await asyncio.to_thread(report_workbook, report, labels, names, period)
    await message.answer_document(
        BufferedInputFile(workbook, filename=f"report-{stamp}.xlsx"), caption=excel_caption(target.name)
    )
    rows, title, ylabel = chart_of(report, names, target.name, council=target.council_id is not None)
    if rows:
        chart = await asyncio.to_thread(county_bar_chart, rows, title, ylabel)
        await message.answer_document(BufferedInputFile(chart, filename=f"chart-{stamp}.png"), caption=title)


async def report_command(
    message: Message, command: CommandObject, repo: Repository, person: Any, roles: list[Any], clock: Clock
) -> None:
    scope = scope_of(roles, roles=REPORT_ROLES)
    if scope.empty:
        await message.answer(refusal_text())
        return
    try:
        request = parse_report_request(command.args or "")
    except (JalaliParseError, ReversedPeriod) as exc:
        await message.answer(bad_period_text(isinstance(exc, ReversedPeriod)))
        return
    now = clock.now()
    period = request.period
    days = period_days(period, now) if isinstance(period, PeriodKind) else period
    if request.place_phrase is None:
        await send_report(message, repo, scope, Target(await scope_title(repo, roles)), days, now)
        return
    found = find_place(request.place_phrase, await repo.reports.units(scope))
    if found is None:
        await message.answer(not_found_text())
    elif isinstance(found, list):
        await message.answer(which_place_text(), reply_markup=which_place_keyboard(person.id, found, days))
    else:
        await send_report(message, repo, scope, found, days, now)


async def choose_place(
    query: CallbackQuery,
    callback_data: ReportCallback,
    repo: Repository,
    person: Any,
    roles: list[Any],
    clock: Clock,
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    scope = scope_of(roles, roles=REPORT_ROLES)
    target = target_of(callback_data.kind, callback_data.unit, await repo.reports.units(scope))
    if target is None:
        await query.message.answer(not_found_text())
        return
    days = None
    if callback_data.first and callback_data.last:
        days = DayRange(dt.date.fromordinal(callback_data.first), dt.date.fromordinal(callback_data.last))
    await send_report(query.message, repo, scope, target, days, clock.now())


def make_router() -> Router:
    """Everyone bound to a role reaches it; the handler refuses those whose roles give no report."""
    router = Router(name="report")
    router.message.filter(IsBound())
    router.callback_query.filter(IsBound())
    router.message.register(report_command, Command("report"))
    router.callback_query.register(choose_place, ReportCallback.filter(), IsOwner())
    return router
