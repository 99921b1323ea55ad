"""``council-bot calendar``: deadlines and days off, as the rules core computes them.

Usage::

    council-bot calendar deadline --kind review --from "1405/09/06 10:30" [--json]
    council-bot calendar holidays [--year 1405] [--with-weekly] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Mapping
from typing import Any

from bot.settings import Settings
from council.calendar import DayOff, WorkingCalendar
from council.clock import SystemClock
from council.deadlines import DeadlineKind, deadline_for
from council.jalali import (
    JalaliParseError,
    format_jalali_date,
    format_jalali_datetime,
    jalali_year,
    parse_jalali_datetime,
    tehran_date,
    to_tehran_iso,
)
from council.text import to_latin_digits

# Operator-facing (English) explanations of the parser's error codes.
_PARSE_PROBLEMS = {
    "format": "expected a Jalali date like 1405/09/06, optionally followed by a time like 14:30",
    "month": "the month must be between 1 and 12",
    "day": "that month has no such day",
    "time": "the time must be HH:MM between 00:00 and 23:59",
}


def add_parser(subparsers: Any) -> None:
    """Register ``calendar`` and its sub-commands ``deadline`` and ``holidays``."""
    parser = subparsers.add_parser("calendar", help="statutory deadlines and days off")
    commands = parser.add_subparsers(dest="calendar_command", metavar="SUBCOMMAND", required=True)

    deadline = commands.add_parser("deadline", help="the deadline of a window opened at a Tehran time")
    deadline.add_argument("--kind", required=True, choices=[kind.value for kind in DeadlineKind])
    deadline.add_argument(
        "--from", dest="start", required=True, metavar="JALALI", help='e.g. "1405/09/06 10:30" (Tehran time)'
    )
    deadline.add_argument("--json", action="store_true", help="print JSON")
    deadline.set_defaults(func=deadline_command)

    days_off = commands.add_parser("holidays", help="the days off of a Jalali year")
    days_off.add_argument("--year", type=_jalali_year_arg, help="Jalali year (default: the current one)")
    days_off.add_argument("--with-weekly", action="store_true", help="also list the weekly holidays")
    days_off.add_argument("--json", action="store_true", help="print JSON")
    days_off.set_defaults(func=holidays_command)


def build_calendar(settings: Settings, closures: Mapping[dt.date, str] | None = None) -> WorkingCalendar:
    """The working calendar the configuration describes, with the admin closures given."""
    return WorkingCalendar.from_rules(settings.rules, closures)


def deadline_command(
    args: argparse.Namespace, settings: Settings, closures: Mapping[dt.date, str] | None = None
) -> int:
    """Print the deadline of a ``--kind`` window opened at ``--from``."""
    try:
        start = parse_jalali_datetime(args.start)
    except JalaliParseError as exc:
        problem = _PARSE_PROBLEMS[exc.code]
        print(f"calendar deadline: invalid --from {args.start!r}: {problem}", file=sys.stderr)
        return 2
    kind = DeadlineKind(args.kind)
    deadline = deadline_for(kind, start, settings.rules, build_calendar(settings, closures))
    if args.json:
        _print_json(
            {
                "kind": kind.value,
                "from": to_tehran_iso(start),
                "deadline": to_tehran_iso(deadline),
                "deadline_jalali": format_jalali_datetime(deadline),
            }
        )
    else:
        print(format_jalali_datetime(deadline))
    return 0


def holidays_command(
    args: argparse.Namespace, settings: Settings, closures: Mapping[dt.date, str] | None = None
) -> int:
    """List the official holidays and closures (and with ``--with-weekly`` the weekly ones) of a year."""
    year: int = args.year if args.year is not None else jalali_year(tehran_date(SystemClock().now()))
    days = build_calendar(settings, closures).days_off_in_jalali_year(year, include_weekly=args.with_weekly)
    if args.json:
        _print_json({"year": year, "days_off": [_day_off_json(day) for day in days]})
    else:
        for day in days:
            print(_day_off_line(day))
    return 0


def _day_off_line(day: DayOff) -> str:
    # Tab-separated: Jalali date, ISO date, kinds, names.
    columns = (format_jalali_date(day.date), day.date.isoformat(), ",".join(day.kinds), "؛ ".join(day.names))
    return "\t".join(columns)


def _day_off_json(day: DayOff) -> dict[str, object]:
    return {
        "jalali": format_jalali_date(day.date),
        "date": day.date.isoformat(),
        "kinds": list(day.kinds),
        "names": list(day.names),
    }


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _jalali_year_arg(text: str) -> int:
    digits = to_latin_digits(text.strip())
    if not (digits.isascii() and digits.isdigit() and len(digits) == 4):
        raise argparse.ArgumentTypeError(f"expected a four-digit Jalali year, got {text!r}")
    return int(digits)
