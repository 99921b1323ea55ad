"""One-time invites: issued for a role over a unit, redeemed once, before they expire (DESIGN §4)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from council.clock import MovableClock
from council.invites import InviteState, hash_invite_code
from council.roles import Role, ScopeKind
from storage.models import Invite, Person, RoleBinding
from storage.repository import InvalidScope, RedeemResult, Repository

from .helpers import load_text

WEEK = dt.timedelta(days=7)


@pytest.fixture
async def org(session: AsyncSession, sample_org: str) -> None:
    await load_text(session, sample_org)


async def _person(repo: Repository, user_id: int) -> int:
    return (await repo.upsert_person(user_id, f"user {user_id}")).id


async def test_a_redeemed_invite_binds_the_person_to_its_role_and_scope(
    org: None, repo: Repository, clock: MovableClock
) -> None:
    code = await repo.create_invite(Role.SECRETARY, "C-SMN-SEMNAN", clock.now() + WEEK)
    person_id = await _person(repo, 1001)

    result = await repo.redeem_invite(code, person_id, clock.now())

    assert result == RedeemResult(
        state=InviteState.VALID,
        role=Role.SECRETARY,
        scope_kind=ScopeKind.COUNCIL,
        scope_code="C-SMN-SEMNAN",
        scope_name="شورای اسلامی شهر سمنان",
        person_id=person_id,
    )
    [binding] = await repo.roles_of(person_id)
    assert (binding.role, binding.scope_kind, binding.scope_code) == ("secretary", "council", "C-SMN-SEMNAN")


async def test_only_the_hash_of_the_code_is_stored(org: None, repo: Repository, clock: MovableClock) -> None:
    code = await repo.create_invite(Role.MEMBER, "B-SMN", clock.now() + WEEK)
    stored = await repo.session.scalar(sa.select(Invite.code_hash))
    assert len(code) == 10
    assert stored == hash_invite_code(code) != code


async def test_a_code_typed_in_lower_case_with_spaces_is_accepted(
    org: None, repo: Repository, clock: MovableClock
) -> None:
    code = await repo.create_invite(Role.MEMBER, "B-SMN", clock.now() + WEEK)
    typed = f" {code[:5].lower()} {code[5:].lower()} "
    result = await repo.redeem_invite(typed, await _person(repo, 1), clock.now())
    assert result.state is InviteState.VALID


async def test_a_second_redeem_is_refused_as_used(org: None, repo: Repository, clock: MovableClock) -> None:
    code = await repo.create_invite(Role.MEMBER, "B-SMN", clock.now() + WEEK)
    first, second = await _person(repo, 1), await _person(repo, 2)
    assert (await repo.redeem_invite(code, first, clock.now())).state is InviteState.VALID

    again = await repo.redeem_invite(code, second, clock.now())
    same_person_again = await repo.redeem_invite(code, first, clock.now())

    assert again.state is InviteState.USED
    assert again.scope_code == "B-SMN"
    assert same_person_again.state is InviteState.USED
    assert await repo.roles_of(second) == []
    assert len(await repo.roles_of(first)) == 1


async def test_an_invite_expires_at_its_expiry_instant(
    org: None, repo: Repository, clock: MovableClock
) -> None:
    expires_at = clock.now() + WEEK
    code = await repo.create_invite(Role.MEMBER, "B-SMN", expires_at)
    person_id = await _person(repo, 1)

    result = await repo.redeem_invite(code, person_id, expires_at)

    assert result.state is InviteState.EXPIRED
    assert await repo.roles_of(person_id) == []
    just_before = await repo.redeem_invite(code, person_id, expires_at - dt.timedelta(microseconds=1))
    assert just_before.state is InviteState.VALID


async def test_an_unknown_code_is_refused_as_unknown(
    org: None, repo: Repository, clock: MovableClock
) -> None:
    result = await repo.redeem_invite("ABCDEFGHJK", await _person(repo, 1), clock.now())
    assert result.state is InviteState.UNKNOWN
    assert result.role is None and result.scope_code is None


async def test_a_stranger_with_a_wrong_code_leaves_no_trace_but_a_right_one_becomes_a_person(
    org: None, repo: Repository, clock: MovableClock
) -> None:
    wrong = await repo.redeem_invite("ABCDEFGHJK", platform_user_id=555, display_name="x", now=clock.now())
    assert wrong.state is InviteState.UNKNOWN
    assert await repo.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0

    code = await repo.create_invite(Role.OFFICIAL, "SMN", clock.now() + WEEK)
    right = await repo.redeem_invite(
        code, platform_user_id=555, display_name="مریم", username="maryam", language="en", now=clock.now()
    )
    assert (right.state, right.scope_kind, right.scope_name) == (
        InviteState.VALID,
        ScopeKind.PROVINCE,
        "استان سمنان",
    )
    person = await repo.get_person_by_platform_user(555)
    assert person is not None and person.id == right.person_id
    assert (person.display_name, person.username, person.language) == ("مریم", "maryam", "en")


@pytest.mark.parametrize(
    ("role", "scope", "kind", "message"),
    [
        (Role.SECRETARY, "NOPE", None, "unknown scope code 'NOPE'"),
        (Role.MEMBER, "C-SMN-SEMNAN", ScopeKind.COUNCIL, "role member cannot be bound to a council"),
        (Role.SECRETARY, "B-SMN", ScopeKind.BOARD, "role secretary cannot be bound to a board"),
        (Role.ADMIN, "SMN", ScopeKind.PROVINCE, "role admin cannot be bound to a province"),
    ],
)
async def test_an_invite_for_a_missing_or_wrong_scope_is_refused(
    org: None,
    repo: Repository,
    clock: MovableClock,
    role: Role,
    scope: str,
    kind: ScopeKind | None,
    message: str,
) -> None:
    with pytest.raises(InvalidScope, match=message) as raised:
        await repo.create_invite(role, scope, clock.now() + WEEK)
    assert raised.value.kind is kind
    assert raised.value.unknown is (kind is None)
    assert await repo.session.scalar(sa.select(sa.func.count()).select_from(Invite)) == 0


async def test_admins_and_officials_may_be_invited_for_the_nation(
    repo: Repository, clock: MovableClock
) -> None:
    code = await repo.create_invite(Role.ADMIN, "ir", clock.now() + WEEK)
    result = await repo.redeem_invite(code, await _person(repo, 1), clock.now())
    assert (result.state, result.scope_kind, result.scope_code) == (InviteState.VALID, ScopeKind.NATION, "IR")


async def test_two_people_redeeming_one_code_at_once_exactly_one_wins(
    org: None, sessions: async_sessionmaker[AsyncSession], repo: Repository, clock: MovableClock
) -> None:
    boards = ["B-SMN", "B-SHR", "B-DMG"]
    codes = [await repo.create_invite(Role.MEMBER, board, clock.now() + WEEK) for board in boards]
    people = [await _person(repo, 1), await _person(repo, 2)]
    await repo.session.commit()

    async def redeem(code: str, person_id: int) -> InviteState:
        async with sessions() as session:
            result = await Repository(session, clock).redeem_invite(code, person_id, clock.now())
            # Hold the claim a moment, so the other redeemer's UPDATE meets it uncommitted.
            await asyncio.sleep(0.05)
            await session.commit()
            return result.state

    for code in codes:
        states = await asyncio.gather(redeem(code, people[0]), redeem(code, people[1]))
        assert sorted(states) == [InviteState.USED, InviteState.VALID]

    async with sessions() as session:
        bindings = (await session.scalars(sa.select(RoleBinding))).all()
        invites = (await session.scalars(sa.select(Invite))).all()
    # One binding per board, to whoever won it.
    winners = {invite.scope_code: invite.used_by_id for invite in invites}
    assert sorted((b.scope_code, b.person_id) for b in bindings) == sorted(winners.items())
    assert set(winners) == set(boards) and set(winners.values()) <= set(people)
