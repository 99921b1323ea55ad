"""``council-bot calendar``: deadlines and days off on the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest

from bot.commands import calendar as calendar_command
from bot.settings import Settings


def settings(**overrides: Any) -> Settings:
    # Every rule spelled out so that neither the environment nor a .env file can change the outcome.
    values: dict[str, Any] = {
        "review_days": 14,
        "reconsideration_days": 10,
        "escalation_days": 15,
        "extend_on_holiday": True,
        "closures_extend": True,
        "weekly_holidays": "4",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    config: Settings | None = None,
    closures: Mapping[dt.date, str] | None = None,
) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="council-bot")
    calendar_command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["calendar", *argv])
    if closures is None:
        code = args.func(args, config or settings())
    else:
        code = args.func(args, config or settings(), closures)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("kind", "start", "printed"),
    [
        ("review", "1405/09/06 10:30", "۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹"),  # last day a Friday → Saturday
        ("review", "۱۴۰۵/۰۸/۰۳ ساعت ۱۰:۰۰", "۱۴۰۵/۰۸/۱۷ ساعت ۲۳:۵۹"),
        ("reconsideration", "1405/01/02 15:00", "۱۴۰۵/۰۱/۱۵ ساعت ۲۳:۵۹"),
        ("escalation", "١٤٠٥-٠٢-٠١", "۱۴۰۵/۰۲/۱۶ ساعت ۲۳:۵۹"),
    ],
)
def test_deadline(kind: str, start: str, printed: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["deadline", "--kind", kind, "--from", start], capsys) == (0, printed + "\n", "")


def test_deadline_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["deadline", "--kind", "review", "--from", "1405/09/06 10:30", "--json"], capsys)
    assert code == 0
    assert json.loads(out) == {
        "kind": "review",
        "from": "2026-11-27T10:30:00+03:30",
        "deadline": "2026-12-12T23:59:59+03:30",
        "deadline_jalali": "۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹",
    }
    assert "۱۴۰۵/۰۹/۲۱" in out  # not escaped


def test_deadline_follows_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    config = settings(extend_on_holiday=False)
    code, out, _ = run(["deadline", "--kind", "review", "--from", "1405/09/06 10:30"], capsys, config)
    assert (code, out) == (0, "۱۴۰۵/۰۹/۲۰ ساعت ۲۳:۵۹\n")


def test_deadline_with_a_closure(capsys: pytest.CaptureFixture[str]) -> None:
    closures = {dt.date(2026, 11, 8): "آلودگی هوا"}  # 1405/08/17
    code, out, _ = run(["deadline", "--kind", "review", "--from", "1405/08/03"], capsys, closures=closures)
    assert (code, out) == (0, "۱۴۰۵/۰۸/۱۸ ساعت ۲۳:۵۹\n")


@pytest.mark.parametrize(
    ("start", "problem"),
    [
        ("tomorrow", "expected a Jalali date"),
        ("1405/13/06", "month"),
        ("1404/12/30", "no such day"),
        ("1405/09/06 25:00", "HH:MM"),
    ],
)
def test_bad_from_exits_2_with_one_line(start: str, problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["deadline", "--kind", "review", "--from", start], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert problem in err


def test_unknown_kind_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run(["deadline", "--kind", "appeal", "--from", "1405/09/06"], capsys)
    assert caught.value.code == 2


def test_holidays(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["holidays", "--year", "1405"], capsys)
    lines = out.splitlines()
    assert (code, err, len(lines)) == (0, "", 26)
    assert lines[0] == "۱۴۰۵/۰۱/۰۱\t2026-03-21\tofficial\tجشن نوروز؛ عید سعید فطر"
    assert "۱۴۰۵/۰۳/۱۵\t2026-06-05\tweekly,official\tقیام 15 خرداد" in lines
    assert lines[-1] == "۱۴۰۵/۱۲/۲۹\t2027-03-20\tofficial\tروز ملی شدن صنعت نفت ایران"


def test_holidays_with_weekly(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["holidays", "--year", "۱۴۰۵", "--with-weekly"], capsys)
    lines = out.splitlines()
    assert (code, len(lines)) == (0, 75)
    assert "۱۴۰۵/۰۱/۰۷\t2026-03-27\tweekly\t" in lines


def test_holidays_list_closures(capsys: pytest.CaptureFixture[str]) -> None:
    closures = {dt.date(2026, 11, 8): "آلودگی هوا"}
    code, out, _ = run(["holidays", "--year", "1405"], capsys, closures=closures)
    assert code == 0
    assert "۱۴۰۵/۰۸/۱۷\t2026-11-08\tclosure\tآلودگی هوا" in out.splitlines()


def test_holidays_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["holidays", "--year", "1403", "--json"], capsys)
    data = json.loads(out)
    assert code == 0
    assert data["year"] == 1403
    assert len(data["days_off"]) == 27
    assert data["days_off"][-1] == {
        "jalali": "۱۴۰۳/۱۲/۳۰",
        "date": "2025-03-20",
        "kinds": ["official"],
        "names": ["آخرین روز سال"],
    }


def test_holidays_year_must_be_four_digits(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run(["holidays", "--year", "05"], capsys)
    assert caught.value.code == 2
