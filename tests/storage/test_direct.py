"""Status cards read around the session (``storage.direct``): the same facts, timeline and votes as through
the session, the same scope (outside it: nothing), and never what is not committed — a unit of work that
wrote reads through itself; a read made while another connection writes neither waits nor sees it."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from council.clock import MovableClock
from council.review import ReconsiderationDecision, VoteChoice
from council.reviewing import cast_vote, decide_reconsideration
from council.scope import Scope
from council.status import Status
from storage import direct, status
from storage.repository import Repository

from .review_helpers import LAW, REASONING, RULES, People, amendment, bring_to, seed

SECRETARY_SCOPE = Scope(councils=frozenset({"C-SMN-SEMNAN"}))
OTHER_COUNTY = Scope(counties=frozenset({"SMN-SHR"}))


@pytest.fixture
async def started(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine with its direct reader started, as the bot starts it."""
    await direct.start(engine)
    try:
        yield engine
    finally:
        await direct.stop(engine)


def forget(engine: AsyncEngine) -> None:
    """Nothing kept in memory: the next card is read from the database."""
    status._facts.pop(engine, None)
    status._histories.pop(engine, None)


async def read_card(
    sessions: async_sessionmaker[AsyncSession], code: str, scope: Scope, *, directly: bool
) -> tuple[Any, ...]:
    """The card's facts, timeline and votes read in a new unit of work, directly or through the session; and
    whether the session opened a transaction."""
    async with sessions() as session:
        store = Repository(session).status
        if not directly:
            session.info["test_no_direct"] = True
        facts = await store.card_facts_by_code(code, scope)
        if facts is None:
            return None, None, None, session.in_transaction()
        by_id = await store.card_facts(facts.record.id)
        assert by_id == facts
        timeline, votes = await store.history(facts, with_votes=True)
        return facts, timeline, votes, session.in_transaction()


@pytest.fixture(autouse=True)
def _switch(monkeypatch: pytest.MonkeyPatch) -> None:
    """``session.info["test_no_direct"]`` makes a session read through itself, as before the direct reads."""
    offered = direct.reader

    def reader(session: AsyncSession) -> direct.Reader | None:
        return None if session.info.get("test_no_direct") else offered(session)

    monkeypatch.setattr(direct, "reader", reader)


async def resolutions(repo: Repository, people: People, clock: MovableClock) -> dict[str, int]:
    """Resolutions in several states: under review with a vote changed, objected (votes with grounds and
    reasoning), amended (a second version, a second cycle), annulled (an outcome by an official)."""
    store = repo.reviews
    now = clock.now()
    m1, m2, m3 = people.members
    found = {}
    reviewing = await bring_to(repo, people, clock, Status.UNDER_REVIEW, number="1")
    await cast_vote(store, reviewing, m1, VoteChoice.NO_CONFLICT, now=now, rules=RULES)
    clock.advance(dt.timedelta(minutes=5))
    await cast_vote(
        store,
        reviewing,
        m1,
        VoteChoice.CONFLICT,
        now=clock.now(),
        rules=RULES,
        grounds=LAW,
        reasoning=REASONING,
    )
    await cast_vote(store, reviewing, m3, VoteChoice.NO_CONFLICT, now=clock.now(), rules=RULES)
    found["reviewing"] = reviewing
    found["objected"] = await bring_to(repo, people, clock, Status.OBJECTED, number="2")
    amended = await bring_to(repo, people, clock, Status.OBJECTED, number="3")
    await decide_reconsideration(
        store,
        amended,
        people.secretary,
        ReconsiderationDecision.AMEND,
        now=clock.now(),
        rules=RULES,
        amendment=amendment(),
    )
    await cast_vote(store, amended, m2, VoteChoice.NO_CONFLICT, now=clock.now(), rules=RULES)
    found["amended"] = amended
    found["annulled"] = await bring_to(repo, people, clock, Status.ANNULLED, number="4")
    found["lapsed"] = await bring_to(repo, people, clock, Status.ENFORCEABLE_LAPSED, number="5")
    await repo.session.commit()
    return found


async def codes_of(session: AsyncSession, ids: dict[str, int]) -> dict[str, str]:
    store = Repository(session).status
    out = {}
    for name, rid in ids.items():
        facts = await store.card_facts(rid)
        assert facts is not None
        out[name] = facts.record.tracking_code
    return out


async def test_a_card_read_directly_is_the_card_read_through_the_session(
    started: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    repo: Repository,
    clock: MovableClock,
    sample_org: str,
) -> None:
    people = await seed(repo, sample_org)
    codes = await codes_of(repo.session, await resolutions(repo, people, clock))
    await repo.session.commit()
    for name, code in codes.items():
        for scope in (Scope(nation=True), SECRETARY_SCOPE):
            forget(started)
            facts, timeline, votes, opened = await read_card(sessions, code, scope, directly=True)
            assert not opened, f"{name}: the card went through the session"
            forget(started)
            expected = await read_card(sessions, code, scope, directly=False)
            assert expected[3], "the reference read did not go through the session"
            assert (facts, timeline, votes) == expected[:3], name
        # Outside the scope the card is not there, as through the session.
        forget(started)
        assert await read_card(sessions, code, OTHER_COUNTY, directly=True) == (None, None, None, False)
        forget(started)
        assert (await read_card(sessions, code, OTHER_COUNTY, directly=False))[:3] == (None, None, None)
    forget(started)
    # What the cards hold, spot-checked: the changed vote counts once, at its latest; the amendment's text.
    nation = Scope(nation=True)
    facts, timeline, votes, _ = await read_card(sessions, codes["reviewing"], nation, directly=True)
    assert [(name, vote.choice) for name, vote in votes] == [
        ("person 10", VoteChoice.CONFLICT),
        ("person 12", VoteChoice.NO_CONFLICT),
    ]
    assert votes[0][1].grounds == LAW and votes[0][1].reasoning == REASONING
    assert [entry.actor for entry in timeline] == ["person 1", "person 10", "person 10", "person 12"]
    assert all(entry.at.tzinfo is dt.UTC for entry in timeline)
    facts, timeline, votes, _ = await read_card(sessions, codes["amended"], nation, directly=True)
    assert (facts.record.version_no, facts.record.cycle, facts.record.status) == (2, 2, Status.UNDER_REVIEW)
    assert [name for name, _ in votes] == ["person 11"]


async def test_a_unit_of_work_that_wrote_reads_through_itself(
    started: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    repo: Repository,
    clock: MovableClock,
    sample_org: str,
) -> None:
    people = await seed(repo, sample_org)
    rid = await bring_to(repo, people, clock, Status.UNDER_REVIEW)
    forget(started)
    async with sessions() as session:
        store = Repository(session).status
        # A vote cast, not committed yet: this unit of work's card shows it; one read around it would not.
        await cast_vote(
            Repository(session).reviews,
            rid,
            people.members[0],
            VoteChoice.NO_CONFLICT,
            now=clock.now(),
            rules=RULES,
        )
        assert direct.reader(session) is None
        facts = await store.card_facts(rid)
        assert facts is not None
        _, votes = await store.history(facts, with_votes=True)
        assert [name for name, _ in votes or ()] == ["person 10"]
        await session.rollback()
    forget(started)
    facts, _, votes, opened = await read_card(
        sessions, facts.record.tracking_code, Scope(nation=True), directly=True
    )
    assert votes == [] and not opened


async def test_a_read_neither_waits_for_a_writer_nor_sees_what_it_has_not_committed(
    started: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    repo: Repository,
    clock: MovableClock,
    sample_org: str,
    backend: str,
) -> None:
    people = await seed(repo, sample_org)
    rid = await bring_to(repo, people, clock, Status.UNDER_REVIEW)
    code = (await codes_of(repo.session, {"r": rid}))["r"]
    await repo.session.commit()
    title = "عنوان تازه"
    url = started.url
    if backend == "sqlite":
        other: Any = sqlite3.connect(url.database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        other.execute("UPDATE resolution_versions SET title = ? WHERE resolution_id = ?", (title, rid))
    else:
        other = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
        await other.execute("BEGIN")
        await other.execute("UPDATE resolution_versions SET title = $1 WHERE resolution_id = $2", title, rid)
    try:
        forget(started)
        facts, _, _, opened = await read_card(sessions, code, Scope(nation=True), directly=True)
        assert facts.record.title == "تعیین نرخ عوارض پسماند" and not opened
    finally:
        if backend == "sqlite":
            other.execute("COMMIT")
            other.close()
        else:
            await other.execute("COMMIT")
            await other.close()
    # Committed by another program: the next read (nothing kept) sees it.
    forget(started)
    facts, _, _, opened = await read_card(sessions, code, Scope(nation=True), directly=True)
    assert facts.record.title == title and not opened


async def objected_card(
    sessions: async_sessionmaker[AsyncSession], repo: Repository, clock: MovableClock, sample_org: str
) -> tuple[str, tuple[Any, ...]]:
    """An objected resolution's code and its card as read through the session."""
    people = await seed(repo, sample_org)
    rid = await bring_to(repo, people, clock, Status.OBJECTED)
    code = (await codes_of(repo.session, {"r": rid}))["r"]
    await repo.session.commit()
    return code, await read_card(sessions, code, Scope(nation=True), directly=False)


async def test_the_reader_holds_no_transaction_falls_back_when_it_cannot_read_and_closes_with_the_bot(
    started: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    repo: Repository,
    clock: MovableClock,
    sample_org: str,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, expected = await objected_card(sessions, repo, clock, sample_org)
    nation = Scope(nation=True)
    forget(started)
    assert await read_card(sessions, code, nation, directly=True) == (*expected[:3], False)
    reader = direct._readers[started.sync_engine]
    # Between reads it holds no snapshot (that would hide later commits, and on SQLite hold back checkpoints).
    if isinstance(reader, direct.SqliteReader):
        (connection,) = reader._connections
        assert not connection.in_transaction
    else:
        assert isinstance(reader, direct.PostgresReader)
        assert [c.is_in_transaction() for c in reader._idle] == [False]

    # It cannot read now (another program's exclusive lock, no connection to be had): through the session.
    async def refused(*_args: Any) -> Any:
        raise direct.Unavailable("database is locked")

    def refused_now(*_args: Any) -> Any:
        raise direct.Unavailable("database is locked")

    if isinstance(reader, direct.SqliteReader):
        monkeypatch.setattr(direct.SqliteReader, "_connect", refused_now)
    else:
        monkeypatch.setattr(direct.PostgresReader, "_acquire", refused)
    forget(started)
    assert await read_card(sessions, code, nation, directly=True) == (*expected[:3], True)
    monkeypatch.undo()
    # The bot stops (SQLite: the engine disposed of; PostgreSQL: the reader's connections closed): cards are
    # read through the session until it reads directly again.
    if isinstance(reader, direct.SqliteReader):
        await started.dispose()
        assert reader._connections == []
        with pytest.raises(sqlite3.ProgrammingError):
            connection.execute("SELECT 1")
    else:
        await direct.stop(started)
        assert reader._open == 0
        forget(started)
        assert await read_card(sessions, code, nation, directly=True) == (*expected[:3], True)
        await direct.start(started)
    forget(started)
    assert await read_card(sessions, code, nation, directly=True) == (*expected[:3], False)


async def test_reads_at_once_and_after_the_connection_was_lost(
    started: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    repo: Repository,
    clock: MovableClock,
    sample_org: str,
) -> None:
    code, expected = await objected_card(sessions, repo, clock, sample_org)
    reader = direct._readers[started.sync_engine]

    async def directly() -> tuple[Any, ...]:
        forget(started)
        return await read_card(sessions, code, Scope(nation=True), directly=True)

    # Twelve at once (on PostgreSQL they wait for one another's connections, at most four).
    answers = await asyncio.gather(*(directly() for _ in range(12)))
    assert answers == [(*expected[:3], False)] * 12
    # The connections are lost under the reader (PostgreSQL: the server ends them, as a restart or an
    # administrator would; SQLite: closed by someone else): every card is still answered — through the
    # session while a read fails —, and the reads are direct again after.
    if isinstance(reader, direct.SqliteReader):
        for connection in reader._connections:
            connection.close()
        lost = 1
    else:
        assert isinstance(reader, direct.PostgresReader)
        assert reader._open <= direct.POSTGRES_CONNECTIONS and not reader._waiters
        pids = [connection.get_server_pid() for connection in reader._idle]
        lost = len(pids)
        dsn = started.url.set(drivername="postgresql").render_as_string(hide_password=False)
        other = await asyncpg.connect(dsn)
        try:
            await other.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", pids)
        finally:
            await other.close()
    for _ in range(lost + 1):
        assert (await directly())[:3] == expected[:3]
    assert await directly() == (*expected[:3], False)


async def test_cards_asked_at_once_each_right_within_each_askers_scope_and_a_failed_read_falls_back_per_card(
    started: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    repo: Repository,
    clock: MovableClock,
    sample_org: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = await seed(repo, sample_org)
    codes = await codes_of(repo.session, await resolutions(repo, people, clock))
    await repo.session.commit()
    scopes = [Scope(nation=True), SECRETARY_SCOPE, OTHER_COUNTY]
    asked = [(code, scope) for code in codes.values() for scope in scopes]
    expected = {}
    for code, scope in asked:
        forget(started)
        expected[code, scope] = (await read_card(sessions, code, scope, directly=False))[:3]
    # Outside the county's scope nothing; within the others, every card.
    assert [expected[code, OTHER_COUNTY] for code in codes.values()] == [(None, None, None)] * 5
    assert all(expected[code, scope][0] is not None for code in codes.values() for scope in scopes[:2])
    reader = direct._readers[started.sync_engine]
    statements: list[list[Any]] = []
    if isinstance(reader, direct.PostgresReader):
        fetch = direct.PostgresReader.fetch

        async def counted(self: direct.PostgresReader, prepared: direct.Prepared, values: Any) -> Any:
            statements.append(list(values["keys"]))
            return await fetch(self, prepared, values)

        monkeypatch.setattr(direct.PostgresReader, "fetch", counted)

    # Fifteen cards asked at once, by three askers: each its own card, read directly.
    forget(started)
    answers = await asyncio.gather(
        *(read_card(sessions, code, scope, directly=True) for code, scope in asked)
    )
    assert [answer[:3] for answer in answers] == [expected[key] for key in asked]
    assert not any(answer[3] for answer in answers)
    if isinstance(reader, direct.PostgresReader):
        # Fewer statements than cards: the cards asked while one was read went together (by code, then the
        # same cards by id), each statement within one asker's scope.
        assert len(statements) < 2 * len(asked)
        assert max(len(keys) for keys in statements) > 1
        # Planned once per connection: with custom plans each statement by ``= ANY`` was planned anew.
        assert {await c.fetchval("SHOW plan_cache_mode") for c in reader._idle} == {"force_generic_plan"}

        # The first statement of several cards by code fails: each card it carried is read through the
        # session, the others directly.
        failed: list[Any] = []

        async def failing(self: direct.PostgresReader, prepared: direct.Prepared, values: Any) -> Any:
            keys = values["keys"]
            if not failed and len(keys) > 1 and isinstance(keys[0], str):
                failed.extend(keys)
                raise direct.Unavailable("refused")
            return await fetch(self, prepared, values)

        monkeypatch.setattr(direct.PostgresReader, "fetch", failing)
        forget(started)
        answers = await asyncio.gather(
            *(read_card(sessions, code, scope, directly=True) for code, scope in asked)
        )
        assert [answer[:3] for answer in answers] == [expected[key] for key in asked]
        through_session = {code for (code, _), answer in zip(asked, answers, strict=True) if answer[3]}
        assert through_session == set(failed) and len(failed) > 1


async def test_a_batch_leader_cancelled_as_it_is_chosen_hands_the_lead_on(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's batched reads (``PostgresReader.fetch_keyed``): a waiting asker chosen to lead the next
    statement and cancelled before it could lead it passes the lead on, and one cancelled while waiting is
    skipped: the other askers still get their rows, and nothing is left running or waiting."""
    reader = direct.PostgresReader(engine)
    reader.started = True
    gates: list[asyncio.Event] = []
    statements: list[list[str]] = []

    async def fetch(self: direct.PostgresReader, prepared: Any, values: Any) -> list[tuple[str, str]]:
        statements.append(list(values["keys"]))
        gate = asyncio.Event()
        gates.append(gate)
        await gate.wait()
        return [(key, f"row of {key}") for key in values["keys"]]

    monkeypatch.setattr(direct.PostgresReader, "fetch", fetch)
    statement: Any = object()
    tasks: dict[str, asyncio.Task[Any]] = {}
    hand_over = reader._hand_over

    def chosen_then_cancelled(batch: Any) -> None:
        # The first statement's end chooses "b" to lead the next one; "b" is cancelled at that moment.
        hand_over(batch)
        if len(statements) == 1:
            tasks["b"].cancel()

    monkeypatch.setattr(reader, "_hand_over", chosen_then_cancelled)

    async def settle() -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    for key in "abcd":
        tasks[key] = asyncio.create_task(reader.fetch_keyed(statement, 0, key))
        await settle()
    tasks["d"].cancel()  # cancelled while waiting
    await settle()
    assert statements == [["a"]]
    gates[0].set()
    assert await tasks["a"] == ("a", "row of a")
    with pytest.raises(asyncio.CancelledError):
        await tasks["b"]
    await settle()
    # "c" leads the second statement, alone: "b" left with its lead, "d" before being chosen.
    assert statements == [["a"], ["c"]]
    gates[1].set()
    assert await tasks["c"] == ("c", "row of c")
    with pytest.raises(asyncio.CancelledError):
        await tasks["d"]
    batch = reader._batches[statement]
    assert (batch.running, batch.waiting) == (0, {})
