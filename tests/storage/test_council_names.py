"""The councils kept for name matching (storage.council_names): reused while the organisation is unchanged,
a council added by any process found at once, a rename by another process seen within the stale time,
and anything loaded by this process seen at once; and the per-update read of a person with their roles
(the status path's hot spots, bench/status_bench.py)."""

from __future__ import annotations

import sqlalchemy as sa

from council.matching import Resolved, resolve_unit
from council.roles import Role
from council.scope import Scope
from storage.council_names import CouncilDirectory
from storage.models import Board, Council, County
from storage.orgfile import load_org, parse_org_file
from storage.repository import Repository

PROVINCE = Scope(provinces=frozenset({"SMN"}))


def names(found: object) -> list[str]:
    return [c.name for c in found.councils]  # type: ignore[attr-defined]


async def test_kept_councils_follow_the_organisation(repo: Repository, sample_org: str) -> None:
    session = repo.session
    await load_org(session, parse_org_file(sample_org))
    now = [0.0]
    directory = CouncilDirectory(stale_after=60.0, clock=lambda: now[0])

    first = await directory.councils(repo.status, PROVINCE)
    assert len(first.councils) == 23
    assert await directory.councils(repo.status, PROVINCE) is first  # kept
    county = await directory.councils(repo.status, Scope(counties=frozenset({"SMN-SHR"})))
    assert names(county) == [
        "شورای اسلامی روستای ابر",
        "شورای اسلامی روستای ابرسج",
        "شورای اسلامی شهر بسطام",
        "شورای اسلامی شهر شاهرود",
        "شورای اسلامی شهر مجن",
    ]

    # Another process adds a council (written here without load_org, so nothing in this process is told):
    # the next question finds it, by the check of the newest council id.
    county_id = await session.scalar(sa.select(County.id).where(County.code == "SMN-SMN"))
    board_id = await session.scalar(sa.select(Board.id).where(Board.code == "B-SMN"))
    await session.execute(
        sa.insert(Council).values(
            code="C-SMN-NOABAD",
            name="شورای اسلامی شهر نوآباد",
            kind="city",
            county_id=county_id,
            board_id=board_id,
            members=5,
        )
    )
    await session.commit()
    added = await directory.councils(repo.status, PROVINCE)
    new_id = await session.scalar(sa.select(Council.id).where(Council.code == "C-SMN-NOABAD"))
    assert resolve_unit("شورای شهر نوآباد", added.index) == Resolved(str(new_id))
    assert added.by_id[str(new_id)].name == "شورای اسلامی شهر نوآباد"

    # Another process renames it: the kept name stands until the entry is stale, then the new one.
    await session.execute(
        sa.update(Council).where(Council.code == "C-SMN-NOABAD").values(name="شورای اسلامی شهر نوده")
    )
    await session.commit()
    now[0] = 59.0
    assert "شورای اسلامی شهر نوآباد" in names(await directory.councils(repo.status, PROVINCE))
    now[0] = 61.0
    renamed = await directory.councils(repo.status, PROVINCE)
    assert "شورای اسلامی شهر نوده" in names(renamed)
    assert "شورای اسلامی شهر نوآباد" not in names(renamed)

    # A load in this process (here a rename back by the organisation file) is seen at once.
    await load_org(
        session,
        parse_org_file(
            sample_org
            + "council | C-SMN-NOABAD | شورای اسلامی شهر نوآباد | kind=city | county=SMN-SMN | board=B-SMN"
            " | members=5\n"
        ),
    )
    assert "شورای اسلامی شهر نوآباد" in names(await directory.councils(repo.status, PROVINCE))


async def test_the_kept_lists_are_bounded(repo: Repository, sample_org: str) -> None:
    await load_org(repo.session, parse_org_file(sample_org))
    # Semnan has 1 council, Shahrud 5, Damghan 4: at most 9 kept, the least recently used scope goes first.
    directory = CouncilDirectory(max_councils=9)
    scopes = [Scope(counties=frozenset({code})) for code in ("SMN-SMN", "SMN-SHR", "SMN-DMG")]
    kept = [await directory.councils(repo.status, scope) for scope in scopes]
    assert [len(k.councils) for k in kept] == [1, 5, 4]
    assert await directory.councils(repo.status, scopes[2]) is kept[2]
    assert await directory.councils(repo.status, scopes[1]) is kept[1]
    assert await directory.councils(repo.status, scopes[0]) is not kept[0]  # dropped, read again


async def test_a_person_and_their_roles_in_one_query(repo: Repository, sample_org: str) -> None:
    """What the context middleware reads for every update (bot.middlewares)."""
    await load_org(repo.session, parse_org_file(sample_org))
    assert await repo.person_with_roles(501) == (None, [])
    person = await repo.upsert_person(501, "زهرا")
    assert await repo.person_with_roles(501) == (person, [])
    await repo.grant_role(person.id, Role.SECRETARY, "C-SMN-SEMNAN")
    await repo.grant_role(person.id, Role.OFFICIAL, "SMN-SHR")
    found, roles = await repo.person_with_roles(501)
    assert found is person
    assert [(b.role, b.scope_code) for b in roles] == [("secretary", "C-SMN-SEMNAN"), ("official", "SMN-SHR")]
    assert roles == await repo.roles_of(person.id)
