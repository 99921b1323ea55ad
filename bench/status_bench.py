"""Benchmark: status by message among 1,000,000 resolutions, in-process through the real dispatcher.

Builds (or reuses) a migrated database holding a nation organised like the Semnan sample, scaled up
(DESIGN §7): the Semnan province as in ``storage/sample/semnan.org`` plus 30 synthetic provinces, about 430
counties each with its conformity board, 1,300 city councils and 31,000 village councils, loaded through
:func:`storage.orgfile.load_org`; ``--resolutions`` resolutions spread over them (a city council about 117 in
four years, a village council about 27), each with a latest version whose title and text are Persian words
drawn from a municipal vocabulary (Zipf-like frequencies), its search words (``resolution_words``, made by
:func:`council.search.index_words`, the storage code's own tokeniser), the board's votes and the event log
of a submission, a ruling or a lapse, objections, revocations and final outcomes. A bound official of the
nation, an official of the Semnan province (1,022 councils, about 31,000 resolutions, 3 % of the nation),
an official of its county of Shahrud (116 councils) and a council secretary exist (a database built before
the province's official was added gets them bound when measured, as the build binds them).

Then it feeds updates to the aiogram dispatcher of the real :class:`bot.app.Application` with ``feed_update``
and a Bot whose session never goes to the network (it records ``sendMessage`` and returns a valid Message).
The handling time of an update runs from ``feed_update`` to the reply produced (the ``sendMessage`` call). It
prints p50 / p95 / p99 per query kind and asker (nation, province, county, council): the status card by
tracking code (random existing codes within the asker's scope), «وضعیت مصوبه N شورای شهر …» by number and
council name, and a free-text search of two Persian words (the same searches for every asker); then the
throughput of status-by-code updates, sequentially and with ``--concurrency`` in flight (from as many
distinct people), against a bare aiogram echo handler on a plain Dispatcher with the same fake bot in the
same run, and the ratio — a first pass, the same codes again (every card asked before), the application's
floor (a «؟» the fallback answers) and 600 codes asked once each (cold cards), then 600 more whose rows
another connection has just read (cold cards whose pages are in memory); and the peak RSS.

    .venv/bin/python bench/status_bench.py                     # SQLite, cached under /tmp/council-bench
    .venv/bin/python bench/status_bench.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The built database is kept and reused while the size and the migrations' head are the same (SQLite: a file
named by both under ``--cache-dir``; PostgreSQL: a marker table). ``--rebuild`` forces a fresh build; a
rebuild of a PostgreSQL database wipes it first. ``--upgrade`` brings a database built at an older head to
today's instead of rebuilding it: the migrations run on it (their time is printed), then ANALYZE (PostgreSQL:
VACUUM ANALYZE) as after a build; on SQLite the newest older file of ``--cache-dir`` for the size is migrated
in place and renamed to today's head::

    .venv/bin/python bench/status_bench.py --upgrade --build-only   # status-1000000-0007.db → -0008.db
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import itertools
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import Chat, Message, Update, User

from bench.sweep_select import FOUR_YEARS, NOW, instant, peak_rss_mib, series, wipe_postgres
from bot.app import Application, settle_garbage_collector
from bot.settings import Settings
from council.clock import MovableClock
from council.roles import NATION_CODE, Role, ScopeKind
from council.search import index_words
from council.submission import damm_check_digit
from council.text import to_persian_digits
from storage.db import create_engine, session_factory
from storage.migrate import head_revision, upgrade_async
from storage.models import Base, Person, RoleBinding
from storage.orgfile import load_org, parse_org_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ORG = ROOT / "storage" / "sample" / "semnan.org"
DAY = 86400
CONFLICT, NO_CONFLICT = '{"choice": "conflict"}', '{"choice": "no_conflict"}'
OBJECTED, ENFORCEABLE = '{"status": "objected"}', '{"status": "enforceable"}'
UPHELD, ANNULLED = '{"status": "upheld"}', '{"status": "annulled"}'
REVIEW = 14 * DAY
ANSWER = 10 * DAY
#: Days from Nowruz 1405 (2026-03-21) to NOW (2026-12-05): the Jalali year of an instant ``ago`` seconds back.
INTO_YEAR = 259 * DAY
YEAR = 365 * DAY

PROVINCES = 31
COUNTIES_PER_PROVINCE = 14
CITY_COUNCILS = 1300
VILLAGES_PER_PROVINCE = 1000
#: Of the nation's resolutions, what the city councils pass (DESIGN §7: ~152,000 of a million).
CITY_SHARE = 0.152

#: Bench people (platform user id = person id).
NATION_OFFICIAL = 900_001
COUNTY_OFFICIAL = 900_002
SECRETARY = 900_003
PROVINCE_OFFICIAL = 900_004
THROUGHPUT_PEOPLE = range(900_101, 900_101 + 64)
#: Rounds of echo, status (every card asked before) and floor in turn, per throughput row.
ROUNDS = 3
#: Seconds one update may take before it is given up (and counted as taking this long).
TIMEOUT = 20.0
#: Time-outs after which the rest of a query kind is skipped.
MAX_TIMEOUTS = 3
COUNTY_OF_OFFICIAL = "SMN-SHR"
#: The province holding COUNTY_OF_OFFICIAL (``storage/sample/semnan.org``).
PROVINCE_OF_OFFICIAL = "SMN"
COUNCIL_OF_SECRETARY = "C-SMN-SEMNAN"
SECRETARY_BASE = 1_000_000  # + council id
MEMBER_BASE = 2_000_000  # + board id * 3 + k

# --- Persian words

_NAMES_A = (
    "حسن علی محمد احمد رضا قاسم کریم رحیم جعفر عباس حسین ابراهیم اسماعیل یوسف مهدی نصرت نجف فتح "
    "خیر امیر شاه میر سید ملا ده قلعه کلاته چشمه باغ کهنه نو سر گل سنگ ریگ شور شیرین سبز سرخ "
    "سفید زرد آق قره دولت نظام فیروز بهرام خسرو جمال کمال اکبر اصغر صالح طاهر زین حاجی بیگ خان "
).split()
_NAMES_B = (
    "آباد ده دشت رود کوه سرا بند چاه زار کلا شهر دره کند لو ور جان گرد بار مزرعه آب باغ چشمه تپه کلاته قلعه "
).split()
_PEOPLE = (
    "زهرا سارا علی رضا مینا امید نیما حسن فاطمه مریم محمد حسین زینب مهدی نرگس پروین کاوه بابک "
    "شیرین لیلا یاسر هادی کبری رقیه سمیه اکبر مرتضی مجتبی ناصر منصور "
).split()
TITLE_WORDS = (
    "ساماندهی تعیین تصویب اصلاح بودجه عوارض نوسازی پارک پارک‌های محله‌ای فضای سبز خیابان آسفالت "
    "معابر روشنایی کرایه تاکسی اتوبوس حمل‌ونقل عمومی پسماند جمع‌آوری بازیافت زمین واگذاری اجاره "
    "فروش ساختمان شهرداری قرارداد پیمانکار کارکنان استخدام حقوق مزایا فرهنگی ورزشی سالن "
    "کتابخانه آموزش بهداشت آب فاضلاب برق گاز مسجد گلزار شهدا بازار میدان میوه تره‌بار جایگاه "
    "سوخت پل عابر پیاده‌رو پیاده‌روسازی جدول‌گذاری کانال سیلاب دفع آبهای سطحی آتش‌نشانی ایستگاه "
    "ماشین‌آلات خرید تعمیر نگهداری بوستان کودک بانوان سالمندان معلولان مناسب‌سازی گردشگری "
    "اقامتگاه بوم‌گردی نمایشگاه جشنواره تبلیغات محیطی تابلو سردر مغازه صنفی کسب‌وکار پروانه "
    "ساخت تفکیک اراضی طرح تفصیلی جامع هادی کاربری تغییر تملک املاک معوض تهاتر وام تسهیلات بانک "
    "سرمایه‌گذاری مشارکت بخش خصوصی اوراق مالیات درآمد هزینه تفریغ متمم سال مالی ۱۴۰۵ ۱۴۰۶ نرخ "
    "بهای خدمات گورستان آرامستان غسالخانه کشتارگاه دام سگ‌های بلاتکلیف سد معبر دستفروشان ترافیک "
    "پارکینگ طبقاتی عمومی هوشمندسازی سامانه الکترونیک دیجیتال اینترنت دوربین نظارت ایمنی زلزله "
    "مقاوم‌سازی بافت فرسوده تاریخی مرمت موزه قنات آبرسانی روستایی دهیاری جاده بین‌روستایی راه "
    "شوسه زیرسازی باغات کشاورزی آبیاری چاه استخر ذخیره "
).split()
TEXT_WORDS = (
    "به استناد ماده بند تبصره قانون تشکیلات وظایف انتخابات شوراهای اسلامی کشور شورای شهر روستا "
    "مقرر گردید شهرداری دهیاری موظف است نسبت اقدام نماید مبلغ ریال میلیون میلیارد محل اعتبارات "
    "سال جاری بودجه پیشنهاد شماره مورخ تصویب شد و در از با برای این که را تا یا بر هم نیز پس "
    "بررسی کمیسیون عمران عمرانی شهرسازی فرهنگی اجتماعی برنامه‌ریزی بودجه حقوقی نظارت گزارش ماه "
    "سه شش ظرف مدت اجرای طرح پروژه مطابق آیین‌نامه دستورالعمل مالی معاملات ضوابط مقررات مربوط "
    "رعایت صرفه صلاح مناقصه مزایده عمومی محدود ترک تشریفات کارشناسی رسمی دادگستری قیمت روز "
    "اجاره فروش واگذاری ساکنان شهروندان محله منطقه خیابان کوچه بلوار میدان پارک بوستان فضای سبز "
    "معابر آسفالت روشنایی پسماند پسماندها جمع‌آوری حمل دفن بهداشتی آب فاضلاب سیلاب کانال جدول "
    "پیاده‌رو ایمنی ترافیک تاکسی اتوبوس کرایه نرخ عوارض بهای خدمات درآمد هزینه قرارداد پیمانکار "
    "تضمین حسن انجام کار استخدام کارکنان قراردادی حقوق مزایا پاداش بیمه رفاهی ورزشی سالن "
    "کتابخانه مسجد مدرسه درمانگاه زمین ملک املاک سند مالکیت تفکیک کاربری تغییر طرح تفصیلی جامع "
    "هادی کمیسیون ماده ۵ ۱۰۰ ۷۷ سرمایه‌گذاری مشارکت بخش خصوصی تسهیلات بانک وام اقساط ضمانت‌نامه "
    "صورت‌وضعیت پرداخت علی‌الحساب تاریخی گردشگری نمایشگاه جشنواره مناسبت هفته دهه فجر نوروز "
    "محرم استقبال بازدید اطلاع‌رسانی الکترونیک سامانه هوشمند دوربین نظارتی ثبت پیگیری شکایات "
    "پاسخگویی "
).split()


def _zipf(count: int, s: float = 1.0) -> Any:
    """Probabilities of ``count`` words by rank, Zipf-like with exponent ``s``."""
    weights = 1.0 / np.arange(1, count + 1) ** s
    return weights / weights.sum()


# --- the organisation


@dataclass
class Org:
    text: str
    city_names: list[str] = field(default_factory=list)


def synthetic_org(seed: int) -> Org:
    """The Semnan sample (with more villages) and 30 more provinces alike, as an organisation file."""
    rng = random.Random(seed)
    sample = SAMPLE_ORG.read_text(encoding="utf-8")
    lines = [sample]
    pairs = [(a, b) for a in _NAMES_A for b in _NAMES_B]
    rng.shuffle(pairs)
    taken = {line.split("|")[2].strip() for line in sample.splitlines() if line.startswith("council")}
    city_names = iter(
        f"{a}{b}" if b in ("لو", "ور", "جان", "گرد", "بار", "کند") else f"{a}‌{b}" for a, b in pairs
    )
    cities_left = CITY_COUNCILS - sum(1 for line in sample.splitlines() if "kind=city" in line)
    sample_counties = [
        line.split("|")[1].strip() for line in sample.splitlines() if line.startswith("county")
    ]
    org = Org("")
    # Villages of the Semnan sample's counties, to the province's ~1,000.
    per_county = VILLAGES_PER_PROVINCE // len(sample_counties)
    for county in sample_counties:
        suffix = county.split("-")[1]
        for v in range(per_county):
            a, b = rng.choice(_NAMES_A), rng.choice(_NAMES_B)
            lines.append(
                f"council | C-{suffix}-V{v} | شورای اسلامی روستای {a}‌{b} | kind=village | county={county}"
                f" | board=B-{suffix} | members={rng.choice((3, 5))}"
            )
    counties = (PROVINCES - 1) * COUNTIES_PER_PROVINCE
    for p in range(1, PROVINCES):
        pcode = f"P{p}"
        lines.append(f"province | {pcode} | استان {rng.choice(_NAMES_A)}{p}")
        for c in range(COUNTIES_PER_PROVINCE):
            ccode = f"{pcode}-K{c}"
            first_city = next(city_names)
            while first_city in taken:
                first_city = next(city_names)
            taken.add(first_city)
            lines.append(f"county | {ccode} | شهرستان {first_city} | province={pcode}")
            lines.append(
                f"board | B-{ccode} | هیأت تطبیق مصوبات شوراهای شهرستان {first_city}"
                f" | county={ccode} | seats=3"
            )
            n_cities = cities_left // counties + (
                1 if (p * COUNTIES_PER_PROVINCE + c) % counties < cities_left % counties else 0
            )
            for k in range(n_cities):
                name = first_city if k == 0 else next(city_names)
                while k and name in taken:
                    name = next(city_names)
                taken.add(name)
                org.city_names.append(name)
                lines.append(
                    f"council | C-{ccode}-C{k} | شورای اسلامی شهر {name} | kind=city | county={ccode}"
                    f" | board=B-{ccode} | members={rng.choice((5, 7, 9))}"
                )
            for v in range(VILLAGES_PER_PROVINCE // COUNTIES_PER_PROVINCE):
                a, b = rng.choice(_NAMES_A), rng.choice(_NAMES_B)
                lines.append(
                    f"council | C-{ccode}-V{v} | شورای اسلامی روستای {a}‌{b} | kind=village | county={ccode}"
                    f" | board=B-{ccode} | members={rng.choice((3, 5))}"
                )
    org.text = "\n".join(lines) + "\n"
    return org


# --- building the database


@dataclass(frozen=True)
class CouncilRow:
    id: int
    code: str
    name: str
    kind: str
    board_id: int
    county_code: str


def allocate(councils: Sequence[CouncilRow], n: int, rng: np.random.Generator) -> np.ndarray[Any, Any]:
    """How many resolutions each council passed: cities share ``CITY_SHARE``, villages the rest, each
    spread around its mean (a lognormal), summing to ``n`` exactly."""
    kinds = np.array([c.kind == "city" for c in councils])
    weights = rng.lognormal(0.0, 0.5, len(councils))
    weights[kinds] *= CITY_SHARE / weights[kinds].sum()
    weights[~kinds] *= (1 - CITY_SHARE) / weights[~kinds].sum()
    counts = np.maximum(1, np.floor(weights * n)).astype(np.int64)
    # The remainder (or excess) goes to the largest councils, one each.
    order = np.argsort(-weights)
    diff = n - int(counts.sum())
    step = 1 if diff > 0 else -1
    for position in itertools.islice(itertools.cycle(order), abs(diff)):
        counts[position] += step
    return counts


def _damm_tables() -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
    """The Damm interim digit after each 4-digit prefix, and the check digit of (interim, 3 more digits):
    SQL joins these to give every generated tracking code its check digit."""
    four = []
    for p in range(1000, 10000):
        four.append((p, damm_check_digit(str(p))))
    three = []
    for interim in range(10):
        for s in range(1000):
            three.append((interim, s, _continue_damm(interim, f"{s:03d}")))
    return four, three


def _continue_damm(interim: int, digits: str) -> int:
    from council.submission import _DAMM  # the table behind damm_check_digit

    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


class Sql:
    """Dialect differences of the generated SQL."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.sqlite = dialect == "sqlite"

    def false(self) -> str:
        return "0" if self.sqlite else "false"

    def boolean(self, expr: str) -> str:
        return f"({expr})"

    def json(self, expr: str) -> str:
        return expr if self.sqlite else f"CAST({expr} AS JSON)"

    def hex64(self, expr: str) -> str:
        return f"printf('%064x', {expr})" if self.sqlite else f"lpad(to_hex({expr}), 64, '0')"

    def code(self, first4: str, last3: str, check: str) -> str:
        if self.sqlite:
            return f"printf('%d-%03d%d', {first4}, {last3}, {check})"
        return f"({first4})::text || '-' || lpad(({last3})::text, 3, '0') || ({check})::text"

    def date_of(self, instant_sql: str) -> str:
        return (
            f"substr({instant_sql}, 1, 10)"
            if self.sqlite
            else f"CAST(({instant_sql}) AT TIME ZONE 'UTC' AS DATE)"
        )

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS TEXT)" if self.sqlite else f"CAST({expr} AS VARCHAR(32))"


def _at(dialect: str, seconds: str) -> str:
    return instant(dialect, seconds)


async def build(url: str, n: int, seed: int) -> tuple[float, dict[str, float]]:
    """Build the database; the seconds it took in all and per step."""
    started = time.perf_counter()
    steps: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = now - since
        print(f"  {name}: {now - since:.1f} s", flush=True)
        return now

    await upgrade_async(url)
    t = step("migrations", started)
    org = synthetic_org(seed)
    engine = create_engine(url)
    sql = Sql(engine.dialect.name)
    dialect = engine.dialect.name
    try:
        async with session_factory(engine)() as session:
            await load_org(session, parse_org_file(org.text))
        t = step("organisation (load_org)", t)
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.text(
                    "SELECT c.id, c.code, c.name, c.kind, c.board_id, k.code FROM councils c"
                    " JOIN counties k ON k.id = c.county_id ORDER BY c.id"
                )
            )
            councils = [CouncilRow(*row) for row in rows]
            boards = [
                bid for (bid,) in await connection.execute(sa.text("SELECT id FROM boards ORDER BY id"))
            ]
        rng = np.random.default_rng(seed)
        counts = allocate(councils, n, rng)
        firsts = np.concatenate(([1], np.cumsum(counts)[:-1] + 1))
        await _people(engine, councils, boards, seed)
        t = step("people and roles", t)
        await _helpers(engine, councils, counts, firsts)
        await _generated(engine, sql, dialect)
        t = step("resolutions, votes, events (SQL)", t)
        await _texts(url, engine, councils, counts, firsts, seed)
        t = step("versions and search words", t)
        async with engine.begin() as connection:
            for table in ("bench_alloc", "bench_seq", "bench_damm4", "bench_damm3"):
                await connection.execute(sa.text(f"DROP TABLE {table}"))
            await connection.execute(
                sa.text("CREATE TABLE bench_meta (k VARCHAR(64) PRIMARY KEY, v VARCHAR(200))")
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO bench_meta VALUES ('resolutions', :n), ('head', :head), ('seed', :seed)"
                ),
                {"n": str(n), "head": head_revision(), "seed": str(seed)},
            )
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            # As autovacuum would leave a loaded table: statistics, and PostgreSQL's visibility map (without
            # it every index-only scan of the bulk-loaded rows reads the table too).
            await connection.execute(sa.text("ANALYZE" if sql.sqlite else "VACUUM ANALYZE"))
            if sql.sqlite:
                await connection.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        step("analyze", t)
    finally:
        await engine.dispose()
    return time.perf_counter() - started, steps


async def _people(engine: Any, councils: Sequence[CouncilRow], boards: Sequence[int], seed: int) -> None:
    rng = random.Random(seed)
    created = NOW - dt.timedelta(days=5 * 365)
    people: list[dict[str, Any]] = []
    bindings: list[dict[str, Any]] = []

    def person(pid: int) -> None:
        people.append(
            {"id": pid, "platform_user_id": pid, "display_name": rng.choice(_PEOPLE), "created_at": created}
        )

    def bind(pid: int, role: Role, kind: ScopeKind, code: str) -> None:
        bindings.append(
            {
                "person_id": pid,
                "role": role.value,
                "scope_kind": kind.value,
                "scope_code": code,
                "created_at": created,
            }
        )

    board_codes = {}
    async with engine.connect() as connection:
        board_codes = dict((await connection.execute(sa.text("SELECT id, code FROM boards"))).all())
    for c in councils:
        person(SECRETARY_BASE + c.id)
        bind(SECRETARY_BASE + c.id, Role.SECRETARY, ScopeKind.COUNCIL, c.code)
    for b in boards:
        for k in range(3):
            person(MEMBER_BASE + b * 3 + k)
            bind(MEMBER_BASE + b * 3 + k, Role.MEMBER, ScopeKind.BOARD, board_codes[b])
    person(NATION_OFFICIAL)
    bind(NATION_OFFICIAL, Role.OFFICIAL, ScopeKind.NATION, NATION_CODE)
    person(COUNTY_OFFICIAL)
    bind(COUNTY_OFFICIAL, Role.OFFICIAL, ScopeKind.COUNTY, COUNTY_OF_OFFICIAL)
    person(SECRETARY)
    bind(SECRETARY, Role.SECRETARY, ScopeKind.COUNCIL, COUNCIL_OF_SECRETARY)
    for pid in THROUGHPUT_PEOPLE:
        person(pid)
        bind(pid, Role.OFFICIAL, ScopeKind.NATION, NATION_CODE)
    added_people, added_bindings = _added_askers(created)
    async with engine.begin() as connection:
        await connection.execute(sa.insert(Person), [*people, *added_people])
        await connection.execute(sa.insert(RoleBinding), [*bindings, *added_bindings])


def _added_askers(created: dt.datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The people and role bindings of the askers added after databases were built (the province's
    official): made by the build with the others, and by :func:`bind_added_askers` in a database built
    before."""
    people = [
        {
            "id": PROVINCE_OFFICIAL,
            "platform_user_id": PROVINCE_OFFICIAL,
            "display_name": _PEOPLE[0],
            "created_at": created,
        }
    ]
    bindings = [
        {
            "person_id": PROVINCE_OFFICIAL,
            "role": Role.OFFICIAL.value,
            "scope_kind": ScopeKind.PROVINCE.value,
            "scope_code": PROVINCE_OF_OFFICIAL,
            "created_at": created,
        }
    ]
    return people, bindings


async def bind_added_askers(url: str) -> None:
    """Bind the askers of :func:`_added_askers` in a database built before they were added (nothing
    else of the database is touched)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            known = await connection.scalar(
                sa.select(sa.func.count()).select_from(Person).where(Person.id == PROVINCE_OFFICIAL)
            )
            if known:
                return
            people, bindings = _added_askers(NOW - dt.timedelta(days=5 * 365))
            await connection.execute(sa.insert(Person), people)
            await connection.execute(sa.insert(RoleBinding), bindings)
    finally:
        await engine.dispose()
    print(f"  bound the province's official ({PROVINCE_OF_OFFICIAL}), missing from this database")


async def _helpers(engine: Any, councils: Sequence[CouncilRow], counts: Any, firsts: Any) -> None:
    four, three = _damm_tables()
    async with engine.begin() as connection:
        for ddl in (
            "CREATE TABLE bench_alloc (council_id BIGINT PRIMARY KEY, board_id BIGINT, first_id BIGINT,"
            " n BIGINT)",
            "CREATE TABLE bench_seq (i BIGINT PRIMARY KEY)",
            "CREATE TABLE bench_damm4 (p BIGINT PRIMARY KEY, interim BIGINT)",
            "CREATE TABLE bench_damm3 (interim BIGINT, s BIGINT, chk BIGINT, PRIMARY KEY (interim, s))",
        ):
            await connection.execute(sa.text(ddl))
        await connection.execute(
            sa.text("INSERT INTO bench_alloc VALUES (:c, :b, :f, :n)"),
            [
                {"c": c.id, "b": c.board_id, "f": int(f), "n": int(k)}
                for c, f, k in zip(councils, firsts, counts, strict=True)
            ],
        )
        prefix, source = series(engine.dialect.name, int(counts.max()))
        await connection.execute(sa.text(f"INSERT INTO bench_seq (i) {prefix}SELECT s.i FROM {source}"))
        await connection.execute(
            sa.text("INSERT INTO bench_damm4 VALUES (:p, :i)"), [{"p": p, "i": i} for p, i in four]
        )
        await connection.execute(
            sa.text("INSERT INTO bench_damm3 VALUES (:i, :s, :c)"),
            [{"i": i, "s": s, "c": c} for i, s, c in three],
        )


def _index_plan(tables: Iterable[str]) -> list[sa.Index]:
    """The secondary indexes of ``tables``: dropped while loading, built again after (far faster)."""
    return [index for name in tables for index in Base.metadata.tables[name].indexes]


async def _generated(engine: Any, sql: Sql, dialect: str) -> None:
    """Resolutions, votes and events in set-based SQL from the allocation."""
    body = "(1000000 + (x.id * 7919) % 9000000)"
    submitted = _at(dialect, "-x.ago")
    code = sql.code(f"{body} / 1000", f"{body} % 1000", "d3.chk")
    year = f"1405 - (x.ago + {YEAR - INTO_YEAR}) / {YEAR}"
    objected_path = "x.id % 7 = 3"
    status = (
        f"CASE WHEN x.ago < {REVIEW} THEN 'under_review'"
        f" WHEN {objected_path} AND x.ago < {REVIEW + ANSWER} THEN 'objected'"
        f" WHEN {objected_path} THEN"
        " (CASE (x.id / 7) % 3 WHEN 0 THEN 'revoked' WHEN 1 THEN 'upheld' ELSE 'annulled' END)"
        " WHEN x.id % 3 = 0 THEN 'enforceable_lapsed' ELSE 'enforceable' END"
    )
    status_at = (
        f"CASE WHEN x.ago < {REVIEW} THEN {submitted}"
        f" WHEN x.id % 7 <> 3 AND x.id % 3 = 0 THEN {_at(dialect, f'-x.ago + {REVIEW}')}"
        f" WHEN {objected_path} AND x.ago >= {REVIEW + ANSWER}"
        f" THEN {_at(dialect, f'-x.ago + {REVIEW + ANSWER}')}"
        f" ELSE {_at(dialect, f'-x.ago + {5 * DAY}')} END"
    )
    reconsideration = (
        f"CASE WHEN {objected_path} AND x.ago >= {REVIEW} THEN {_at(dialect, f'-x.ago + {15 * DAY}')} END"
    )
    resolutions = (
        "INSERT INTO resolutions (id, tracking_code, council_id, council_number, jalali_year, session_number,"
        " approval_date, status, cycle, submitted_by_id, submitted_at, late, replan_reminders, status_at,"
        " review_deadline, reconsideration_deadline) "
        f"SELECT x.id, {code}, x.council_id, {sql.text('x.num')}, {year}, {sql.text('1 + x.num / 3')},"
        f" {sql.date_of(_at(dialect, f'-x.ago - {3 * DAY}'))}, {status}, 1, {SECRETARY_BASE} + x.council_id,"
        f" {submitted}, {sql.boolean('x.id % 11 = 0')}, {sql.false()}, {status_at},"
        f" {_at(dialect, f'-x.ago + {REVIEW}')}, {reconsideration}"
        " FROM (SELECT a.first_id + q.i - 1 AS id, a.council_id, q.i AS num,"
        f" ((a.n - q.i) * {FOUR_YEARS} / a.n + ((a.first_id + q.i) * 7919) % {DAY} + 3600) AS ago"
        " FROM bench_alloc a JOIN bench_seq q ON q.i <= a.n) x"
        f" JOIN bench_damm4 d4 ON d4.p = {body} / 1000"
        f" JOIN bench_damm3 d3 ON d3.interim = d4.interim AND d3.s = {body} % 1000"
        " ORDER BY x.id"
    )
    # Per resolution: r, its board, and how long ago it was submitted (seconds).
    ago = "x.ago"
    frame = (
        " FROM (SELECT CAST(r.id AS BIGINT) AS id, r.status, r.council_id, r.submitted_by_id, a.board_id,"
        f" ((a.n - (r.id - a.first_id + 1)) * {FOUR_YEARS} / a.n"
        f" + ((CAST(r.id AS BIGINT) + 1) * 7919) % {DAY} + 3600) AS ago"
        " FROM resolutions r JOIN bench_alloc a ON a.council_id = r.council_id) x"
    )
    # Votes: members k = 0, 1 (and 2 on the objected path); none for lapses, a first one while under review.
    choice = f"CASE WHEN {objected_path} AND k.k < 2 THEN 'conflict' ELSE 'no_conflict' END"
    voted = (
        f"(x.status NOT IN ('under_review', 'enforceable_lapsed') AND (k.k < 2 OR {objected_path}))"
        f" OR (x.status = 'under_review' AND k.k = 0 AND {ago} > {2 * DAY})"
    )
    ks = "(SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k"
    cast_at = _at(dialect, f"-{ago} + (k.k + 1) * {DAY}")
    votes = (
        "INSERT INTO votes (id, resolution_id, cycle, member_id, choice, grounds_kind, reasoning, cast_at) "
        f"SELECT x.id * 4 + k.k, x.id, 1, {MEMBER_BASE} + x.board_id * 3 + k.k, {choice},"
        f" CASE WHEN {choice} = 'conflict' THEN 'outside_powers' END,"
        f" CASE WHEN {choice} = 'conflict' THEN 'خارج از حدود وظایف و اختیارات شورا' END, {cast_at}"
        f"{frame} CROSS JOIN {ks} WHERE {voted} ORDER BY x.id, k.k"
    )

    def event(slot: str, kind: str, actor: str, at: str, payload: str, where: str, extra: str = "") -> str:
        eid = f"x.id * 8 + {slot}"
        return (
            "INSERT INTO events (id, resolution_id, kind, actor_id, at, payload, prev_hash, hash) "
            f"SELECT {eid}, x.id, {kind}, {actor}, {at}, {sql.json(payload)}, {sql.hex64(eid)},"
            f" {sql.hex64(f'{eid} + 1000000000')}{frame}{extra} WHERE {where}"
        )

    events = [
        event("0", "'submitted'", "x.submitted_by_id", _at(dialect, f"-{ago}"), "'{}'", "1 = 1"),
        event(
            "1 + k.k",
            "'vote_cast'",
            f"{MEMBER_BASE} + x.board_id * 3 + k.k",
            cast_at,
            f"CASE WHEN {choice} = 'conflict' THEN '{CONFLICT}' ELSE '{NO_CONFLICT}' END",
            voted,
            f" CROSS JOIN {ks}",
        ),
        event(
            "4",
            "'ruled'",
            "NULL",
            _at(dialect, f"-{ago} + {5 * DAY}"),
            f"CASE WHEN {objected_path} THEN '{OBJECTED}' ELSE '{ENFORCEABLE}' END",
            "x.status NOT IN ('under_review', 'enforceable_lapsed')",
        ),
        event(
            "4",
            "'lapsed'",
            "NULL",
            _at(dialect, f"-{ago} + {REVIEW}"),
            '\'{"status": "enforceable_lapsed"}\'',
            "x.status = 'enforceable_lapsed'",
        ),
        event(
            "5",
            "'revoked'",
            "x.submitted_by_id",
            _at(dialect, f"-{ago} + {12 * DAY}"),
            "'{}'",
            "x.status = 'revoked'",
        ),
        event(
            "5",
            "'insisted'",
            "x.submitted_by_id",
            _at(dialect, f"-{ago} + {12 * DAY}"),
            "'{}'",
            "x.status IN ('upheld', 'annulled')",
        ),
        event(
            "6",
            "'outcome_recorded'",
            "NULL",
            _at(dialect, f"-{ago} + {REVIEW + ANSWER}"),
            f"CASE WHEN x.status = 'upheld' THEN '{UPHELD}' ELSE '{ANNULLED}' END",
            "x.status IN ('upheld', 'annulled')",
        ),
    ]
    indexes = _index_plan(("resolutions", "votes", "events"))
    async with engine.begin() as connection:
        for index in indexes:
            await connection.run_sync(lambda c, index=index: index.drop(c))
        await connection.execute(sa.text(resolutions))
        await connection.execute(sa.text(votes))
        for statement in events:
            await connection.execute(sa.text(statement))
        for index in indexes:
            await connection.run_sync(lambda c, index=index: index.create(c))


def _submitted_seconds_ago(counts: Any, firsts: Any) -> tuple[Any, Any]:
    """Resolution ids and how long ago each was submitted, exactly as the SQL above computes it."""
    ids = np.arange(1, int(counts.sum()) + 1, dtype=np.int64)
    council_index = np.repeat(np.arange(len(counts)), counts)
    n = counts[council_index]
    i = ids - firsts[council_index] + 1
    ago = (n - i) * FOUR_YEARS // n + ((ids + 1) * 7919) % DAY + 3600
    return ids, ago


async def _texts(url: str, engine: Any, councils: Any, counts: Any, firsts: Any, seed: int) -> None:
    """Each resolution's version 1 (title and text from the vocabularies) and its search words, written in
    bulk by the driver: SQLite's executemany, PostgreSQL's COPY."""
    rng = np.random.default_rng(seed + 1)
    ids, ago = _submitted_seconds_ago(counts, firsts)
    total = len(ids)
    title_len, text_len = 5, 18
    titles = rng.choice(len(TITLE_WORDS), size=(total, title_len), p=_zipf(len(TITLE_WORDS), 0.9))
    texts = rng.choice(len(TEXT_WORDS), size=(total, text_len), p=_zipf(len(TEXT_WORDS), 0.8))
    # The search words of each vocabulary word, by the storage's own tokeniser; a text's words are the union.
    tokens = sorted({t for w in (*TITLE_WORDS, *TEXT_WORDS) for t in index_words(w)})
    token_id = {t: k for k, t in enumerate(tokens)}
    title_tokens = [[token_id[t] for t in index_words(w)] for w in TITLE_WORDS]
    text_tokens = [[token_id[t] for t in index_words(w)] for w in TEXT_WORDS]
    categories = [
        "civil_works",
        "culture_social",
        "economy_investment",
        "finance_budget",
        "urban_services",
        "admin_employment",
        "other",
    ]
    created = [NOW - dt.timedelta(seconds=int(s)) for s in ago]

    def version_rows() -> Iterable[tuple[Any, ...]]:
        for k in range(total):
            rid = int(ids[k])
            title = " ".join(TITLE_WORDS[j] for j in titles[k])
            text = " ".join(TEXT_WORDS[j] for j in texts[k]) + "."
            yield (rid, rid, 1, title, text, categories[rid % 7], 3, 0, 0, created[k])

    # (token, resolution) pairs, unique, in the primary key's order (token strings sort as their ids).
    pair_keys = []
    width = np.int64(1 << 24)
    for matrix, table in ((titles, title_tokens), (texts, text_tokens)):
        for position in range(matrix.shape[1]):
            column = matrix[:, position]
            for depth in range(max(len(t) for t in table)):
                lookup = np.array([t[depth] if depth < len(t) else -1 for t in table], dtype=np.int64)
                got = lookup[column]
                keep = got >= 0
                pair_keys.append(got[keep] * width + ids[keep])
    keys = np.unique(np.concatenate(pair_keys))
    del pair_keys
    # Each row carries its resolution's submission, exactly as the resolutions' SQL stored it; rows are
    # written in the primary key's order (word, submitted_at, resolution_id): the pairs re-keyed by each
    # resolution's rank in submission order (oldest first, then by id).
    by_rank = ids[np.lexsort((ids, -ago))]
    rank = np.empty(total + 1, dtype=np.int64)
    rank[by_rank] = np.arange(total, dtype=np.int64)
    ranked = np.sort((keys >> 24 << 24) | rank[keys & 0xFFFFFF])
    base = NOW.replace(microsecond=0)
    submitted: list[Any] = [base - dt.timedelta(seconds=int(s)) for s in ago]
    if engine.dialect.name == "sqlite":
        # The resolutions' stored form (bench.sweep_select.instant).
        submitted = [at.strftime("%Y-%m-%d %H:%M:%S") + ".000000" for at in submitted]

    id_of_rank = by_rank.tolist()
    # Each word row carries its resolution's province (migration 0008), as the resolutions were placed.
    province_of = [0] * (total + 1)
    async with engine.connect() as connection:
        placed = await connection.execute(
            sa.text(
                "SELECT r.id, k.province_id FROM resolutions r JOIN councils c ON c.id = r.council_id"
                " JOIN counties k ON k.id = c.county_id"
            )
        )
        for rid, province in placed:
            province_of[rid] = province

    def word_rows() -> Iterable[tuple[str, Any, int, int]]:
        for key in ranked.tolist():
            rid = id_of_rank[key & 0xFFFFFF]
            yield tokens[key >> 24], submitted[rid - 1], rid, province_of[rid]

    _check_words(titles, texts, ids, keys, tokens)
    word_indexes = _index_plan(("resolution_words",))
    async with engine.begin() as connection:
        for index in word_indexes:
            await connection.run_sync(lambda c, index=index: index.drop(c))
    columns = (
        "id",
        "resolution_id",
        "version_no",
        "title",
        "text",
        "category",
        "votes_for",
        "votes_against",
        "votes_abstain",
        "created_at",
    )
    if engine.dialect.name == "sqlite":
        path = sa.make_url(url).database
        assert path
        con = sqlite3.connect(path)
        try:
            con.execute("PRAGMA synchronous=OFF")
            fmt = "%Y-%m-%d %H:%M:%S.%f"
            con.executemany(
                f"INSERT INTO resolution_versions ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})",
                ((*row[:-1], row[-1].strftime(fmt)) for row in version_rows()),
            )
            con.executemany(
                "INSERT INTO resolution_words (word, submitted_at, resolution_id, province_id)"
                " VALUES (?, ?, ?, ?)",
                word_rows(),
            )
            con.commit()
        finally:
            con.close()
    else:
        import asyncpg

        dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        con = await asyncpg.connect(dsn)
        try:
            await con.copy_records_to_table("resolution_versions", records=version_rows(), columns=columns)
            await con.copy_records_to_table(
                "resolution_words",
                records=word_rows(),
                columns=("word", "submitted_at", "resolution_id", "province_id"),
            )
        finally:
            await con.close()
    async with engine.begin() as connection:
        for index in word_indexes:
            await connection.run_sync(lambda c, index=index: index.create(c))
        # The words' submission instants and provinces are their resolutions' (a few hundred checked).
        checked = ",".join(str(rid) for rid in range(7, total + 1, max(total // 300, 1)))
        differing = await connection.scalar(
            sa.text(
                "SELECT count(*) FROM resolution_words w JOIN resolutions r ON r.id = w.resolution_id"
                " JOIN councils c ON c.id = r.council_id JOIN counties k ON k.id = c.county_id"
                f" WHERE w.resolution_id IN ({checked})"
                " AND (w.submitted_at <> r.submitted_at OR w.province_id <> k.province_id)"
            )
        )
        assert differing == 0, f"{differing} word rows whose instant or province is not their resolution's"


def _check_words(titles: Any, texts: Any, ids: Any, keys: Any, tokens: Sequence[str]) -> None:
    """The bulk words of a few resolutions are exactly what the storage code would store for them."""
    rng = random.Random(7)
    by_resolution: dict[int, set[str]] = {}
    sample = {int(ids[k]): k for k in rng.sample(range(len(ids)), min(200, len(ids)))}
    chosen = keys[np.isin(keys & 0xFFFFFF, np.array(sorted(sample), dtype=np.int64))]
    for key in chosen.tolist():
        by_resolution.setdefault(key & 0xFFFFFF, set()).add(tokens[key >> 24])
    for rid, k in sample.items():
        title = " ".join(TITLE_WORDS[j] for j in titles[k])
        text = " ".join(TEXT_WORDS[j] for j in texts[k]) + "."
        expected = set(index_words(title, text))
        assert by_resolution.get(rid, set()) == expected, (rid, expected ^ by_resolution.get(rid, set()))


async def built_at(url: str, n: int) -> str | None:
    """The migrations' head the database at ``url`` was built at (or brought to) by this benchmark for
    ``n`` resolutions; None when it was not built so."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows: dict[str, str] = {
                k: v for k, v in await connection.execute(sa.text("SELECT k, v FROM bench_meta"))
            }
        return rows.get("head") if rows.get("resolutions") == str(n) else None
    except Exception:
        return None
    finally:
        await engine.dispose()


async def cached(url: str, n: int) -> bool:
    """Whether the database at ``url`` was built by this benchmark for ``n`` resolutions at today's head."""
    return await built_at(url, n) == head_revision()


def older_sqlite(cache_dir: Path, n: int) -> Path | None:
    """The SQLite database built for ``n`` resolutions at the newest head before today's in ``cache_dir``
    (named ``status-N-HEAD.db``), if any."""
    head = head_revision()
    older = sorted(
        path
        for path in cache_dir.glob(f"status-{n}-*.db")
        if path.stem.rsplit("-", 1)[-1] < head and path.stem.count("-") == 2
    )
    return older[-1] if older else None


async def upgrade_bench(url: str, n: int) -> float:
    """Bring a database this benchmark built at an older head to today's: the migrations run on it (timed),
    ``bench_meta`` records the new head, and it is left as the build leaves it (PostgreSQL: VACUUM
    ANALYZE, for the visibility map index-only scans need; SQLite: ANALYZE and the WAL checkpointed).
    The seconds the migrations took."""
    before = await built_at(url, n)
    started = time.perf_counter()
    head = await upgrade_async(url)
    migrated = time.perf_counter() - started
    print(f"  migrations {before} → {head}: {migrated:.1f} s", flush=True)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text("UPDATE bench_meta SET v = :head WHERE k = 'head'"), {"head": head}
            )
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            started = time.perf_counter()
            sqlite = engine.dialect.name == "sqlite"
            await connection.execute(sa.text("ANALYZE" if sqlite else "VACUUM ANALYZE"))
            if sqlite:
                await connection.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
            print(f"  {'ANALYZE' if sqlite else 'VACUUM ANALYZE'}: {time.perf_counter() - started:.1f} s")
    finally:
        await engine.dispose()
    return migrated


# --- the fake network


class RecordingSession(BaseSession):
    """A bot session that never goes to the network: ``sendMessage`` is recorded (the instant the reply was
    produced) and answered with a valid Message, a callback answer with ``True``."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: dict[int, tuple[float, str]] = {}
        self.sent = 0
        self._message_id = itertools.count(1)
        self._date = dt.datetime.now(dt.UTC)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> Any:
        if isinstance(method, SendMessage):
            at = time.perf_counter()
            chat = int(method.chat_id)
            self.sent += 1
            self.replies.setdefault(chat, (at, method.text))
            return Message(
                message_id=next(self._message_id),
                date=self._date,
                chat=Chat(id=chat, type="private"),
                from_user=User(id=bot.id, is_bot=True, first_name="bench"),
                text=method.text,
            )
        if isinstance(method, AnswerCallbackQuery):
            return True
        raise NotImplementedError(type(method).__name__)

    async def close(self) -> None:
        return None

    async def stream_content(self, *args: Any, **kwargs: Any) -> AsyncIterator[bytes]:  # type: ignore[override]
        raise NotImplementedError
        yield b""


_update_ids = itertools.count(1)


def text_update(user_id: int, text: str) -> Update:
    n = next(_update_ids)
    return Update(
        update_id=n,
        message=Message(
            message_id=n,
            date=NOW,
            chat=Chat(id=user_id, type="private"),
            from_user=User(id=user_id, is_bot=False, first_name="bench", language_code="fa"),
            text=text,
        ),
    )


# --- measuring


@dataclass
class Kind:
    name: str
    asker: str
    user: int
    texts: list[str]


def percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


async def latency(
    dp: Dispatcher, bot: Bot, session: RecordingSession, kind: Kind
) -> tuple[list[float], list[float], dict[str, int]]:
    """Handling time of each text, one at a time: feed_update → the reply, and → feed_update returned (the
    unit of work committed); and the first words of the replies."""
    times: list[float] = []
    totals: list[float] = []
    answers: dict[str, int] = {}
    for text in kind.texts:
        update = text_update(kind.user, text)
        session.replies.pop(kind.user, None)
        started = time.perf_counter()
        try:
            await asyncio.wait_for(dp.feed_update(bot, update), TIMEOUT)
        except TimeoutError:
            # Counted at the time-out: the percentiles above it are then lower bounds.
            totals.append(TIMEOUT)
            times.append(TIMEOUT)
            answers[f"no reply within {TIMEOUT:g} s"] = answers.get(f"no reply within {TIMEOUT:g} s", 0) + 1
            if answers[f"no reply within {TIMEOUT:g} s"] >= MAX_TIMEOUTS:
                answers[f"stopped after {len(times)} updates"] = 1
                break
            continue
        totals.append(time.perf_counter() - started)
        at, reply = session.replies[kind.user]
        times.append(at - started)
        head = "card" if reply.startswith("کد رهگیری") else reply.split("\n", 1)[0][:40]
        answers[head] = answers.get(head, 0) + 1
    return times, totals, answers


async def throughput(dp: Dispatcher, bot: Bot, updates: Sequence[Update], concurrency: int) -> float:
    """Updates handled per second with ``concurrency`` in flight (each worker feeds its own person's)."""
    queues: list[list[Update]] = [[] for _ in range(concurrency)]
    for k, update in enumerate(updates):
        queues[k % concurrency].append(update)

    async def worker(items: list[Update]) -> None:
        for update in items:
            await dp.feed_update(bot, update)

    started = time.perf_counter()
    await asyncio.gather(*(worker(q) for q in queues))
    return len(updates) / (time.perf_counter() - started)


async def read_rows(url: str, codes: Sequence[str]) -> None:
    """Read what the cards of ``codes`` are made of (the resolution, its version and council, its events and
    votes with their people) on a connection of its own: into the operating system's cache and PostgreSQL's
    buffers, not into the application."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            for code in codes:
                found = await connection.scalar(
                    sa.text(
                        "SELECT r.id FROM resolutions r JOIN resolution_versions v ON v.resolution_id = r.id"
                        " JOIN councils c ON c.id = r.council_id WHERE r.tracking_code = :code"
                    ),
                    {"code": code},
                )
                for table, person in (("events", "actor_id"), ("votes", "member_id")):
                    await connection.execute(
                        sa.text(
                            f"SELECT t.*, p.display_name FROM {table} t"
                            f" LEFT JOIN people p ON p.id = t.{person} WHERE t.resolution_id = :id"
                        ),
                        {"id": found},
                    )
    finally:
        await engine.dispose()


def echo_dispatcher() -> Dispatcher:
    dp = Dispatcher()
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp.include_router(router)
    return dp


async def samples(url: str, count: int, seed: int) -> dict[str, Any]:
    """Random existing tracking codes and (number, council name) pairs within each asker's scope, and
    two-word searches."""
    rng = random.Random(seed)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            top = int((await connection.execute(sa.text("SELECT max(id) FROM resolutions"))).scalar_one())
            ids = [rng.randint(1, top) for _ in range(count * 4)]

            async def codes(where: str, params: dict[str, Any]) -> list[str]:
                rows = await connection.execute(
                    sa.text(
                        "SELECT r.tracking_code FROM resolutions r JOIN councils c ON c.id = r.council_id"
                        f" JOIN counties k ON k.id = c.county_id WHERE {where}"
                    ),
                    params,
                )
                return [code for (code,) in rows]

            nation = await codes("r.id IN (" + ",".join(map(str, ids[:count])) + ")", {})
            county = await codes("k.code = :k", {"k": COUNTY_OF_OFFICIAL})
            in_province = "k.province_id = (SELECT id FROM provinces WHERE code = :p)"
            province = await codes(in_province, {"p": PROVINCE_OF_OFFICIAL})
            council = await codes("c.code = :c", {"c": COUNCIL_OF_SECRETARY})
            numbered = (
                await connection.execute(
                    sa.text(
                        "SELECT r.council_number, c.name, k.code, c.code FROM resolutions r"
                        " JOIN councils c ON c.id = r.council_id JOIN counties k ON k.id = c.county_id"
                        " WHERE c.kind = 'city' AND r.id IN (" + ",".join(map(str, ids)) + ")"
                    )
                )
            ).all()
            county_numbered = (
                await connection.execute(
                    sa.text(
                        "SELECT r.council_number, c.name FROM resolutions r"
                        " JOIN councils c ON c.id = r.council_id"
                        " JOIN counties k ON k.id = c.county_id WHERE k.code = :k AND c.kind = 'city'"
                    ),
                    {"k": COUNTY_OF_OFFICIAL},
                )
            ).all()
            # Codes asked once each in the throughput part (a card never seen before): distinct, fresh ids.
            asked = set(ids)
            fresh = [i for i in rng.sample(range(1, top + 1), count * 8 + len(ids)) if i not in asked]
            fresh = fresh[: count * 8]
            once = await codes("r.id IN (" + ",".join(map(str, fresh)) + ")", {})
            province_numbered = (
                await connection.execute(
                    sa.text(
                        "SELECT r.council_number, c.name FROM resolutions r"
                        " JOIN councils c ON c.id = r.council_id"
                        f" JOIN counties k ON k.id = c.county_id WHERE {in_province} AND c.kind = 'city'"
                    ),
                    {"p": PROVINCE_OF_OFFICIAL},
                )
            ).all()
            own_numbered = (
                await connection.execute(
                    sa.text(
                        "SELECT r.council_number, c.name FROM resolutions r"
                        " JOIN councils c ON c.id = r.council_id"
                        " WHERE c.code = :c"
                    ),
                    {"c": COUNCIL_OF_SECRETARY},
                )
            ).all()
    finally:
        await engine.dispose()

    def question(number: str, name: str) -> str:
        place = name.replace("شورای اسلامی ", "شورای ")
        return f"وضعیت مصوبه {to_persian_digits(number)} {place}"

    def pick(items: Sequence[Any], rng: random.Random = rng) -> list[Any]:
        # Empty when a small build left the asker's council without resolutions: that kind is skipped.
        return [rng.choice(items) for _ in range(count)] if items else []

    frequent = TITLE_WORDS[:40]
    rare = TITLE_WORDS[40:]
    searches = [
        f"{rng.choice(frequent)} {rng.choice(rare)}"
        if k % 2
        else f"{rng.choice(rare)} {rng.choice(TITLE_WORDS)}"
        for k in range(count)
    ]
    picked: dict[str, Any] = {
        "codes": {"nation": pick(nation), "county": pick(county), "council": pick(council)},
        "numbers": {
            "nation": [question(num, name) for num, name, *_ in pick(numbered)],
            "county": [question(num, name) for num, name in pick(county_numbered)],
            "council": [question(num, name) for num, name in pick(own_numbered)],
        },
        "searches": searches,
        "throughput_codes": [rng.choice(nation) for _ in range(count * 4)],
        "once_codes": once,
    }
    # The province's from a generator of its own: the other askers' samples stay those of earlier runs.
    own = random.Random(seed + 4)
    picked["codes"]["province"] = pick(province, own)
    picked["numbers"]["province"] = [question(num, name) for num, name in pick(province_numbered, own)]
    return picked


def make_app(url: str, data_dir: Path) -> Application:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123456:BENCH",
        database_url=url,
        data_dir=data_dir,
    )
    return Application(settings, clock=MovableClock(NOW))


#: What ``--only`` may pick: the query kinds measured (and whether the throughput part runs).
PARTS = {"code": "status by code", "number": "status by number", "search": "free-text search"}


async def measure(
    url: str, count: int, concurrency: int, seed: int, only: Sequence[str] = (), settle_gc: bool = True
) -> None:
    picked = await samples(url, count, seed)
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(url, Path(folder))
        await app.watch_changes()  # PostgreSQL: listen for other processes' commits, as the bot does
        if settle_gc:
            settle_garbage_collector()  # as the bot's process does before it polls (Application.run_forever)
        session = RecordingSession()
        bot = Bot("123456:BENCH", session=session)
        dp = app.dispatcher
        dp["deployment"].bot_username = "bench_bot"
        askers = {
            "nation": NATION_OFFICIAL,
            "province": PROVINCE_OFFICIAL,
            "county": COUNTY_OFFICIAL,
            "council": SECRETARY,
        }
        kinds = [
            Kind("warm-up", "nation", NATION_OFFICIAL, picked["codes"]["nation"][:50]),
        ]
        for asker, user in askers.items():
            kinds.append(Kind("status by code", asker, user, picked["codes"][asker]))
            kinds.append(Kind("status by number and council name", asker, user, picked["numbers"][asker]))
            kinds.append(Kind("free-text search (2 words)", asker, user, picked["searches"]))
        if only:
            wanted = tuple(PARTS[part] for part in only if part in PARTS)
            kinds = [kind for kind in kinds if kind.name == "warm-up" or kind.name.startswith(wanted)]
        print(f"latency, update fed → reply produced ({count} updates each, one at a time):")
        print(
            f"  {'query':34s} {'asker':8s} {'p50':>7s} {'p95':>7s} {'p99':>7s}"
            f"  {'done p50':>8s} {'p95':>7s}   replies"
        )
        for kind in kinds:
            if len(kind.texts) < 2:
                print(f"  {kind.name:34s} {kind.asker:8s} (nothing to ask: no such resolutions in scope)")
                continue
            times, totals, answers = await latency(dp, bot, session, kind)
            if kind.name == "warm-up":
                continue
            p50, p95, p99 = percentiles(times)
            d50, d95, _ = percentiles(totals)
            common = ", ".join(f"{k!r}×{v}" for k, v in sorted(answers.items(), key=lambda kv: -kv[1])[:2])
            print(
                f"  {kind.name:34s} {kind.asker:8s} {p50:7.1f} {p95:7.1f} {p99:7.1f}"
                f"  {d50:8.1f} {d95:7.1f}   {common}",
                flush=True,
            )
            if kind.name.startswith("free-text"):
                slowest = sorted(zip(times, kind.texts[: len(times)], strict=True), reverse=True)[:3]
                print("      slowest: " + ", ".join(f"«{text}» {t * 1000:.0f} ms" for t, text in slowest))

        if only and "throughput" not in only:
            await app.stop_watching()
            await app.engine.dispose()
            return
        # Throughput: status by code from nation officials, against echo on a bare dispatcher.
        people = list(THROUGHPUT_PEOPLE)
        codes = picked["throughput_codes"]
        echo = echo_dispatcher()
        once = list(picked["once_codes"])
        quarter = len(once) // 4
        once_rows = {
            1: (once[:quarter], once[quarter : 2 * quarter]),
            concurrency: (once[2 * quarter : 3 * quarter], once[3 * quarter :]),
        }
        print("throughput (updates/s):")
        for inflight in (1, concurrency):
            status_updates = [text_update(people[k % inflight], code) for k, code in enumerate(codes)]
            echo_updates = [text_update(people[k % inflight], code) for k, code in enumerate(codes)]
            # The application's floor: a bound person's message that no query answers (the fallback's
            # reply) costs the dispatch, the FSM read, the person and roles, the commit — no status work.
            floor_updates = [text_update(people[k % inflight], "؟") for k in range(len(codes))]
            gc.collect()
            echo_rate = await throughput(echo, bot, echo_updates, inflight)
            status_rate = await throughput(dp, bot, status_updates, inflight)
            # The same codes again: every card was asked before in this run (on the first row, the first
            # pass also asked each of the ~300 distinct codes for the first time).
            # Then, on a machine whose load moves from second to second, ROUNDS rounds of echo, the same
            # codes again and the floor in turn, each rate from the rounds' summed times.
            spent = {"echo": 1 / echo_rate, "again": 0.0, "floor": 0.0}
            for _ in range(ROUNDS):
                again_updates = [text_update(people[k % inflight], code) for k, code in enumerate(codes)]
                spent["again"] += 1 / await throughput(dp, bot, again_updates, inflight)
                spent["floor"] += 1 / await throughput(dp, bot, floor_updates, inflight)
                echo_updates = [text_update(people[k % inflight], code) for k, code in enumerate(codes)]
                spent["echo"] += 1 / await throughput(echo, bot, echo_updates, inflight)
                floor_updates = [text_update(people[k % inflight], "؟") for k in range(len(codes))]
            echo_rate = (ROUNDS + 1) / spent["echo"]
            again_rate, floor_rate = ROUNDS / spent["again"], ROUNDS / spent["floor"]
            # Cold cards: codes never asked before in this run, each asked once (a quarter of them per row):
            # their rows as the machine has them (a virtual machine may have paged them out), then others
            # whose rows another connection has just read (in the operating system's cache and PostgreSQL's
            # buffers, not in the application).
            fresh, cached = once_rows[inflight]
            once_updates = [text_update(people[k % inflight], code) for k, code in enumerate(fresh)]
            once_rate = await throughput(dp, bot, once_updates, inflight)
            await read_rows(url, cached)
            cached_updates = [text_update(people[k % inflight], code) for k, code in enumerate(cached)]
            cached_rate = await throughput(dp, bot, cached_updates, inflight)
            print(
                f"  {inflight:3d} in flight: status {status_rate:8.1f}   echo {echo_rate:8.1f}"
                f"   ratio {status_rate / echo_rate:.3f}   (the same again {again_rate:8.1f},"
                f" ratio {again_rate / echo_rate:.3f}; app floor: fallback reply {floor_rate:8.1f},"
                f" ratio {floor_rate / echo_rate:.3f}; {len(fresh)} codes asked once {once_rate:8.1f},"
                f" ratio {once_rate / echo_rate:.3f}; {len(cached)} more, their rows just read by another"
                f" connection {cached_rate:8.1f}, ratio {cached_rate / echo_rate:.3f})",
                flush=True,
            )
        await app.stop_watching()
        await app.engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resolutions", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300, help="updates per query kind and asker")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", help="a PostgreSQL URL (wiped when (re)built) instead of SQLite")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("DATA_DIR", tempfile.gettempdir())) / "council-bench",
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--upgrade",
        action="store_true",
        help="a database built at an older head is migrated to today's (timed) instead of rebuilt; SQLite:"
        " the newest older file of --cache-dir for --resolutions, renamed to today's head once migrated",
    )
    parser.add_argument("--seed", type=int, default=1405)
    parser.add_argument(
        "--build-only", action="store_true", help="build (or check) the database, measure nothing"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=(*PARTS, "throughput"),
        help="measure only this part (repeatable): code, number, search (free text), throughput",
    )
    parser.add_argument(
        "--python-gc",
        action="store_true",
        help="leave Python's garbage collector as it is instead of settling it as the bot's process does"
        " (bot.app.settle_garbage_collector): the baseline of that change",
    )
    parser.add_argument(
        "--word-statistics",
        type=int,
        help="PostgreSQL: set the statistics target of resolution_words.word (-1: the server's default;"
        " migration 0006 sets 1000) and ANALYZE it before measuring — an experiment on the planner's"
        " estimate of a word range; without it the database is measured as it is",
    )
    args = parser.parse_args()
    if args.postgres:
        url = args.postgres
        backend = "PostgreSQL"
    else:
        args.cache_dir.mkdir(parents=True, exist_ok=True)
        path = args.cache_dir / f"status-{args.resolutions}-{head_revision()}.db"
        url = f"sqlite+aiosqlite:///{path}"
        backend = f"SQLite ({path})"
    if args.upgrade and not args.rebuild and not await cached(url, args.resolutions):
        if args.postgres:
            if await built_at(url, args.resolutions) is not None:
                print(f"{backend}: upgrading the database built at {await built_at(url, args.resolutions)}")
                await upgrade_bench(url, args.resolutions)
        elif (older := older_sqlite(args.cache_dir, args.resolutions)) is not None:
            older_url = f"sqlite+aiosqlite:///{older}"
            if await built_at(older_url, args.resolutions) is not None:
                print(f"SQLite ({older}): upgrading it to {path.name}")
                await upgrade_bench(older_url, args.resolutions)
                # Checkpointed and closed; a write-ahead log left (none should be) goes with it.
                for suffix in ("-wal", "-shm", ""):
                    moved = Path(f"{older}{suffix}")
                    if moved.exists():  # noqa: ASYNC240 - nothing else runs yet
                        moved.rename(f"{path}{suffix}")  # noqa: ASYNC240
    if args.rebuild or not await cached(url, args.resolutions):
        if args.postgres:
            await wipe_postgres(url)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)  # noqa: ASYNC240 - before anything runs
        print(f"{backend}: building {args.resolutions:,} resolutions …", flush=True)
        seconds, _ = await build(url, args.resolutions, args.seed)
        print(f"  built in {seconds:.1f} s")
    else:
        print(f"{backend}: reusing the database built for {args.resolutions:,} resolutions")
    await report_counts(url)
    await bind_added_askers(url)
    if args.build_only:
        return
    if args.postgres and args.word_statistics is not None:
        await word_statistics(url, args.word_statistics)
    print(f"  load average before measuring: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    await measure(
        url, args.samples, args.concurrency, args.seed, args.only or (), settle_gc=not args.python_gc
    )
    print(f"peak RSS of this process: {peak_rss_mib():.0f} MiB")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


async def word_statistics(url: str, target: int) -> None:
    """Set the statistics target of ``resolution_words.word`` (-1: the server's default) and analyse it."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            current = await connection.scalar(
                sa.text(
                    "SELECT attstattarget FROM pg_attribute"
                    " WHERE attrelid = 'resolution_words'::regclass AND attname = 'word'"
                )
            )
            if current != target:
                await connection.execute(
                    sa.text(f"ALTER TABLE resolution_words ALTER COLUMN word SET STATISTICS {int(target)}")
                )
                await connection.execute(sa.text("ANALYZE resolution_words"))
    finally:
        await engine.dispose()
    print(f"  statistics target of resolution_words.word: {target} (-1: the server's default, 100)")


async def report_counts(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            counts = {
                table: (await connection.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()
                for table in (
                    "provinces",
                    "counties",
                    "councils",
                    "resolutions",
                    "resolution_versions",
                    "votes",
                    "events",
                    "resolution_words",
                    "people",
                )
            }
    finally:
        await engine.dispose()
    print("  rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))


if __name__ == "__main__":
    asyncio.run(main())
