"""The context middleware keeps each sender's person and roles in memory until a person or a binding is
written through the repository: a new binding, a language, a rolled-back write."""

from __future__ import annotations

from typing import Any

from aiogram.types import User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import make_i18n
from bot.middlewares import ContextMiddleware
from council.clock import MovableClock
from council.roles import Role
from storage import people_cache
from storage.orgfile import load_org, parse_org_file
from storage.repository import Repository

USER = User(id=4242, is_bot=False, first_name="مینا")


async def test_person_and_roles_are_fresh_after_every_write(
    sessions: async_sessionmaker[AsyncSession], clock: MovableClock, sample_org: str
) -> None:
    middleware = ContextMiddleware(sessions, clock, make_i18n())
    seen: list[tuple[Any, list[str]]] = []

    async def handler(event: Any, data: dict[str, Any]) -> None:
        person = data["person"]
        seen.append((person and (person.display_name, person.language), [b.role for b in data["roles"]]))

    async def update() -> tuple[Any, list[str]]:
        await middleware(handler, object(), {"event_from_user": USER})  # type: ignore[arg-type]
        return seen[-1]

    async with sessions() as session:
        await load_org(session, parse_org_file(sample_org))
        await session.commit()
    assert await update() == (None, [])
    async with sessions() as session:
        repo = Repository(session, clock)
        person = await repo.upsert_person(USER.id, "مینا")
        await session.commit()
    assert await update() == (("مینا", "fa"), [])
    assert await update() == (("مینا", "fa"), [])  # kept: no write since
    async with sessions() as session:
        await Repository(session, clock).grant_role(person.id, Role.MEMBER, "B-SMN")
        await session.commit()
    assert await update() == (("مینا", "fa"), ["member"])
    async with sessions() as session:
        await Repository(session, clock).set_language(person.id, "en")
        await session.commit()
    assert await update() == (("مینا", "en"), ["member"])

    # A write rolled back moves the generation too: what is kept next is read again, as committed.
    before = people_cache.generation()
    async with sessions() as session:
        await Repository(session, clock).set_language(person.id, "fa")
        await session.rollback()
    assert people_cache.generation() > before
    assert await update() == (("مینا", "en"), ["member"])
