"""People, scopes and closures in the repository."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from council.clock import MovableClock
from council.roles import Role, ScopeKind
from storage.repository import InvalidScope, OrgUnit, Repository, Scope

from .helpers import load_text


@pytest.fixture
async def org(session: AsyncSession, sample_org: str) -> None:
    await load_text(session, sample_org)


async def test_a_person_is_created_once_and_refreshed_afterwards(
    repo: Repository, clock: MovableClock
) -> None:
    created = await repo.upsert_person(42, "علی", "ali")
    assert (created.display_name, created.username, created.language, created.unreachable) == (
        "علی",
        "ali",
        "fa",
        False,
    )
    assert created.created_at == clock.now()

    clock.advance(dt.timedelta(days=1))
    again = await repo.upsert_person(42, "علی رضایی", None)
    assert again.id == created.id
    assert (again.display_name, again.username, again.language) == ("علی رضایی", None, "fa")
    assert again.created_at == dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)

    await repo.set_language(created.id, "en")
    found = await repo.get_person_by_platform_user(42)
    assert found is not None
    await repo.session.refresh(found)
    assert found.language == "en"
    assert await repo.get_person_by_platform_user(43) is None


async def test_scopes_resolve_by_code_in_any_case(org: None, repo: Repository) -> None:
    assert await repo.resolve_scope("IR") == Scope(ScopeKind.NATION, "IR")
    assert await repo.resolve_scope("smn") == (ScopeKind.PROVINCE, "استان سمنان")
    assert await repo.resolve_scope("SMN-SHR") == (ScopeKind.COUNTY, "شهرستان شاهرود")
    assert await repo.resolve_scope(" b-dmg ") == (
        ScopeKind.BOARD,
        "هیأت تطبیق مصوبات شوراهای شهرستان دامغان",
    )
    assert await repo.resolve_scope("C-GRM-GARMSAR") == (ScopeKind.COUNCIL, "شورای اسلامی شهر گرمسار")
    assert await repo.resolve_scope("C-NOWHERE") is None
    unit = await repo.find_unit("c-smn-semnan")
    assert isinstance(unit, OrgUnit) and (unit.kind, unit.code) == (ScopeKind.COUNCIL, "C-SMN-SEMNAN")
    assert unit.id is not None


async def test_a_role_can_be_granted_once_and_people_with_it_listed(org: None, repo: Repository) -> None:
    person = await repo.upsert_person(1, "x")
    first = await repo.grant_role(person.id, Role.MEMBER, "b-smn")
    again = await repo.grant_role(person.id, Role.MEMBER, "B-SMN")
    assert first.id == again.id
    assert [p.id for p in await repo.people_with_role(Role.MEMBER, "B-SMN")] == [person.id]
    assert await repo.people_with_role(Role.EXPERT, "B-SMN") == []
    with pytest.raises(InvalidScope):
        await repo.grant_role(person.id, Role.SECRETARY, "B-SMN")


async def test_closures_nationwide_and_per_province(org: None, repo: Repository) -> None:
    day, other_day = dt.date(2026, 12, 1), dt.date(2026, 12, 2)
    await repo.add_closure(day, "آلودگی هوا", "smn")
    await repo.add_closure(day, "تعطیلی سراسری")
    await repo.add_closure(other_day, "برف", "SMN")

    assert await repo.closures() == {day: "تعطیلی سراسری"}
    assert await repo.closures("SMN") == {day: "تعطیلی سراسری; آلودگی هوا", other_day: "برف"}

    await repo.add_closure(other_day, "برف سنگین", "SMN")  # the same day again: new reason
    assert (await repo.closures("SMN"))[other_day] == "برف سنگین"
    assert await repo.remove_closure(other_day, "SMN") is True
    assert await repo.remove_closure(other_day, "SMN") is False
    assert await repo.closures("SMN") == {day: "تعطیلی سراسری; آلودگی هوا"}
