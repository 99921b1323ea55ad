"""How long ``/report`` takes over large scopes: the figures aggregated in the database
(``storage.reports``), the text, the Excel workbook and the chart the handler sends, for one county, one
province and the nation.

Runs against a database the status benchmark built (``bench/status_bench.py``: 1,000,000 resolutions with
their events), read only::

    .venv/bin/python bench/report_bench.py --sqlite /tmp/council-bench/status-1000000-0006.db
    .venv/bin/python bench/report_bench.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/helper_c

Prints, per scope: resolutions, councils, members and owed votes counted, seconds per stage, the text's
length (a chat message holds 4,096 characters), the workbook's and chart's sizes, and the process's peak
RSS so far (the stages run smallest scope first, so each peak is that scope's).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.i18n import make_i18n
from council.clock import SystemClock
from council.scope import Scope
from exports.chart import county_bar_chart
from exports.excel import report_workbook
from handlers.report_views import chart_of, report_text, workbook_labels
from storage.db import create_engine, session_factory
from storage.models import Council, County, Province, Resolution
from storage.repository import Repository


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def busiest(session: sa.ext.asyncio.AsyncSession) -> tuple[str, str]:
    """The county and the province with the most resolutions."""
    county = await session.scalar(
        sa.select(County.code)
        .join(Council, Council.county_id == County.id)
        .join(Resolution, Resolution.council_id == Council.id)
        .group_by(County.code)
        .order_by(sa.func.count().desc())
        .limit(1)
    )
    province = await session.scalar(
        sa.select(Province.code).join(County, County.province_id == Province.id).where(County.code == county)
    )
    assert county is not None and province is not None
    return county, province


async def measured_scopes(session: sa.ext.asyncio.AsyncSession) -> dict[str, tuple[str, Scope]]:
    """The scopes measured, by kind: the busiest county, its province, the nation (label, scope)."""
    county, province = await busiest(session)
    return {
        "county": (f"county {county}", Scope(counties=frozenset({county}))),
        "province": (f"province {province}", Scope(provinces=frozenset({province}))),
        "nation": ("nation", Scope(nation=True)),
    }


def database_options(parser: argparse.ArgumentParser) -> None:
    """``--sqlite FILE`` or ``--postgres URL``: the database the status benchmark built."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", type=Path, help="a SQLite file built by bench/status_bench.py")
    where.add_argument("--postgres", help="a PostgreSQL URL (postgresql+asyncpg://…)")


def database_url(args: argparse.Namespace) -> str:
    return str(args.postgres or f"sqlite+aiosqlite:///{args.sqlite}")


async def run(url: str) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        scopes = await measured_scopes(session)
    now = SystemClock().now()
    for label, scope in scopes.values():
        async with sessions() as session:
            started = time.perf_counter()
            result = await Repository(session).reports.report(scope, now)
            computed = time.perf_counter()
        report, names = result.report, result.names
        text = report_text(report, names, label, None)
        workbook = report_workbook(report, workbook_labels(label), names, None)
        written = time.perf_counter()
        rows, title, ylabel = chart_of(report, names, label, council=False)
        chart = county_bar_chart(rows, title, ylabel)
        drawn = time.perf_counter()
        owed = sum(member.due + member.pending for member in report.members)
        print(
            f"{label}: {report.overall.total:,} resolutions, {len(report.councils):,} councils, "
            f"{len(report.members):,} members, {owed:,} owed votes; "
            f"report {computed - started:.2f} s, text {len(text):,} characters, "
            f"workbook {written - computed:.2f} s ({len(workbook) / 1024:.0f} KiB), "
            f"chart of {len(rows)} bars {drawn - written:.2f} s ({len(chart) / 1024:.0f} KiB); "
            f"total {drawn - started:.2f} s; peak RSS {peak_mib():.0f} MiB",
            flush=True,
        )
    await engine.dispose()


def main() -> None:
    i18n = make_i18n("fa")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    database_options(parser)
    args = parser.parse_args()
    with i18n.context(), i18n.use_locale("fa"):
        asyncio.run(run(database_url(args)))


if __name__ == "__main__":
    main()
