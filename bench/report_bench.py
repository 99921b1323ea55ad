"""How long ``/report`` takes over large scopes: loading the rows (``storage.reports``), the figures
(``council.performance``), the Excel workbook and the chart, for one county, one province and the nation.

Runs against a database the status benchmark built (``bench/status_bench.py``: 1,000,000 resolutions with
their events), read only::

    .venv/bin/python bench/report_bench.py --sqlite /tmp/council-bench/status-1000000-0006.db
    .venv/bin/python bench/report_bench.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/helper_c

Prints, per scope: resolutions and owed votes loaded, seconds per stage, the workbook's and chart's sizes,
and the process's peak RSS so far (the stages run smallest scope first, so each peak is that scope's).
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
from council.performance import build_report
from council.scope import Scope
from exports.chart import county_bar_chart
from exports.excel import report_workbook
from handlers.report_views import workbook_labels
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


async def run(url: str) -> None:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        county, province = await busiest(session)
    now = SystemClock().now()
    scopes = [
        (f"county {county}", Scope(counties=frozenset({county}))),
        (f"province {province}", Scope(provinces=frozenset({province}))),
        ("nation", Scope(nation=True)),
    ]
    for label, scope in scopes:
        async with sessions() as session:
            started = time.perf_counter()
            data = await Repository(session).reports.load(scope)
            loaded = time.perf_counter()
        report = build_report(data.resolutions, data.votes, now)
        built = time.perf_counter()
        labels = workbook_labels(label)
        workbook = report_workbook(report, labels, data.names, None)
        written = time.perf_counter()
        chart = county_bar_chart(
            [(data.names.get(unit.code, unit.code), unit.figures.total) for unit in report.counties[:40]],
            label,
            "resolutions",
        )
        drawn = time.perf_counter()
        print(
            f"{label}: {len(data.resolutions):,} resolutions, {len(data.votes):,} owed votes; "
            f"load {loaded - started:.2f} s, figures {built - loaded:.2f} s, "
            f"workbook {written - built:.2f} s ({len(workbook) / 1024:.0f} KiB), "
            f"chart {drawn - written:.2f} s ({len(chart) / 1024:.0f} KiB); peak RSS {peak_mib():.0f} MiB",
            flush=True,
        )
    await engine.dispose()


def main() -> None:
    i18n = make_i18n("fa")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", type=Path, help="a SQLite file built by bench/status_bench.py")
    where.add_argument("--postgres", help="a PostgreSQL URL (postgresql+asyncpg://…)")
    args = parser.parse_args()
    url = args.postgres or f"sqlite+aiosqlite:///{args.sqlite}"
    with i18n.context(), i18n.use_locale("fa"):
        asyncio.run(run(url))


if __name__ == "__main__":
    main()
