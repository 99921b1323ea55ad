"""Who sees which councils (issue 6): secretaries their council, board people their board's councils,
officials their county, province or the nation; votes only to board people and officials."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from council.roles import Role, ScopeKind
from council.scope import CouncilPlace, Scope, scope_of, sees_votes, visible_councils


@dataclass(frozen=True)
class B:
    role: str
    scope_kind: str
    scope_code: str


SEMNAN = CouncilPlace("C-SMN-SEMNAN", "B-SMN", "SMN-SMN", "SMN")
SHAHRUD = CouncilPlace("C-SHR-SHAHRUD", "B-SHR", "SMN-SHR", "SMN")
TEHRAN = CouncilPlace("C-THR-TEHRAN", "B-THR", "THR-THR", "THR")
PLACES = [SEMNAN, SHAHRUD, TEHRAN]


@pytest.mark.parametrize(
    ("binding", "seen"),
    [
        (B(Role.SECRETARY, ScopeKind.COUNCIL, "C-SMN-SEMNAN"), [SEMNAN]),
        (B(Role.MEMBER, ScopeKind.BOARD, "B-SMN"), [SEMNAN]),
        (B(Role.EXPERT, ScopeKind.BOARD, "B-SHR"), [SHAHRUD]),
        (B(Role.BOARD_SECRETARY, ScopeKind.BOARD, "B-SMN"), [SEMNAN]),
        (B(Role.OFFICIAL, ScopeKind.COUNTY, "SMN-SHR"), [SHAHRUD]),
        (B(Role.OFFICIAL, ScopeKind.PROVINCE, "SMN"), [SEMNAN, SHAHRUD]),
        (B(Role.OFFICIAL, ScopeKind.NATION, "IR"), PLACES),
        (B(Role.ADMIN, ScopeKind.NATION, "IR"), PLACES),
        # A binding whose kind does not fit its role gives nothing.
        (B(Role.SECRETARY, ScopeKind.PROVINCE, "SMN"), []),
        (B("janitor", ScopeKind.NATION, "IR"), []),
    ],
)
def test_each_role_sees_the_councils_of_its_scope(binding: B, seen: list[CouncilPlace]) -> None:
    assert visible_councils([binding], PLACES) == seen


def test_several_bindings_see_the_union_and_none_see_nothing() -> None:
    bindings = [B(Role.MEMBER, ScopeKind.BOARD, "B-SMN"), B(Role.MEMBER, ScopeKind.BOARD, "B-THR")]
    assert visible_councils(bindings, PLACES) == [SEMNAN, TEHRAN]
    assert scope_of(bindings) == Scope(boards=frozenset({"B-SMN", "B-THR"}))
    assert scope_of([]).empty
    assert visible_councils([], PLACES) == []


def test_a_secretary_never_sees_votes_but_board_people_and_officials_do() -> None:
    secretary = B(Role.SECRETARY, ScopeKind.COUNCIL, "C-SMN-SEMNAN")
    assert not sees_votes([secretary], SEMNAN)
    assert sees_votes([B(Role.EXPERT, ScopeKind.BOARD, "B-SMN")], SEMNAN)
    assert sees_votes([B(Role.OFFICIAL, ScopeKind.PROVINCE, "SMN")], SEMNAN)
    assert not sees_votes([B(Role.OFFICIAL, ScopeKind.COUNTY, "SMN-SHR")], SEMNAN)
    # A secretary who is also on the board sees them through the board binding.
    assert sees_votes([secretary, B(Role.MEMBER, ScopeKind.BOARD, "B-SMN")], SEMNAN)
