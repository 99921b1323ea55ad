"""A council added by reloading the organisation is found by name at once, although the councils of the
asker's scope are kept between questions (storage.council_names)."""

from __future__ import annotations

from council.roles import Role
from storage.db import session_factory
from storage.orgfile import load_org, parse_org_file

from .conftest import SAMPLE_ORG, World
from .flows import board, submit_resolution
from .test_status_queries import NOT_FOUND, card

NEW_CITY = (
    "council | C-SMN-KAVIR | شورای اسلامی شهر کویرشهر | kind=city"
    " | county=SMN-SMN | board=B-SMN | members=9\n"
)


async def test_a_council_added_by_an_org_reload_is_found(world: World) -> None:
    people = await board(world)
    question = "وضعیت مصوبه ۱۲ شورای شهر کویرشهر"
    # The province's official asks before the city exists: its councils are now kept.
    assert (await world.say(people.omid, question)).content == NOT_FOUND

    async with session_factory(world.app.engine)() as session:
        loaded = await load_org(session, parse_org_file(SAMPLE_ORG.read_text(encoding="utf-8") + NEW_CITY))
    assert (loaded.created, loaded.updated) == (1, 0)
    kaveh = world.person(1003, "کاوه")
    await world.enrol(kaveh, Role.SECRETARY, "C-SMN-KAVIR")
    res = await submit_resolution(world, kaveh)

    answer = await world.say(people.omid, question)
    assert answer.content == card(
        res, council="شورای اسلامی شهر کویرشهر", who="کاوه", votes="آرای ثبت‌شده: هنوز هیچ.\n\n"
    )
    # The county's official of Shahrud still does not see it: named, it is answered like a missing one.
    assert (await world.say(people.nima, question)).content == NOT_FOUND
