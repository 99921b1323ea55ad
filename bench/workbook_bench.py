"""How long the ``/report`` Excel workbook alone takes to write (``exports.excel.report_workbook``), and how
much memory it needs, for one scope's report computed once from a database the status benchmark built::

    .venv/bin/python bench/workbook_bench.py --sqlite /tmp/council-bench/status-1000000-0006.db
    .venv/bin/python bench/workbook_bench.py --sqlite … --scope province --repeat 5

The report is computed first (as ``bench/report_bench.py`` does); then the workbook is written ``--repeat``
times. Prints each run's seconds, the workbook's size, and the peak RSS before the first workbook and after
the last (the difference is what writing the workbook added to the process's peak).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report_bench import database_options, database_url, measured_scopes, peak_mib
from bot.i18n import make_i18n
from council.clock import SystemClock
from exports.excel import report_workbook
from handlers.report_views import workbook_labels
from storage.db import create_engine, session_factory
from storage.reports import ReportResult
from storage.repository import Repository


async def compute(url: str, scope_kind: str) -> tuple[str, ReportResult]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        label, scope = (await measured_scopes(session))[scope_kind]
        result = await Repository(session).reports.report(scope, SystemClock().now())
    await engine.dispose()
    return label, result


def main() -> None:
    i18n = make_i18n("fa")
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    database_options(parser)
    parser.add_argument("--scope", choices=("county", "province", "nation"), default="nation")
    parser.add_argument("--repeat", type=int, default=3, help="workbooks to write (default 3)")
    args = parser.parse_args()
    with i18n.context(), i18n.use_locale("fa"):
        label, result = asyncio.run(compute(database_url(args), args.scope))
        report, names = result.report, result.names
        labels = workbook_labels(label)
        before = peak_mib()
        print(
            f"{label}: {len(report.councils):,} councils, {len(report.counties):,} counties, "
            f"{len(report.members):,} members; peak RSS before the workbook {before:.0f} MiB",
            flush=True,
        )
        seconds = []
        for run in range(1, args.repeat + 1):
            started = time.perf_counter()
            workbook = report_workbook(report, labels, names, None)
            seconds.append(time.perf_counter() - started)
            print(f"  run {run}: workbook {seconds[-1]:.2f} s ({len(workbook) / 1024:.0f} KiB)", flush=True)
            del workbook
    print(
        f"workbook median {statistics.median(seconds):.2f} s, best {min(seconds):.2f} s; "
        f"peak RSS {peak_mib():.0f} MiB (+{peak_mib() - before:.0f} MiB for the workbook)"
    )


if __name__ == "__main__":
    main()
