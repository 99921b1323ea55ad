"""What part of the organisation a person may see (issue 6, DESIGN §1).

A secretary sees their council; a board member, expert or board secretary the councils their board reviews;
an official their county, province or the nation; an admin everything. A person holding several bindings
sees the union. Votes of the board are shown to board people and officials, never to a council's
secretary (the council learns the ruling, not who voted how, until it is final).

The rule is written once, here: :func:`scope_of` turns bindings into a :class:`Scope`, which answers for one
council (:meth:`Scope.covers`) and which the storage turns into a query over the organisation's tables.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from council.roles import Role, ScopeKind

_BOARD_ROLES = frozenset({Role.MEMBER, Role.EXPERT, Role.BOARD_SECRETARY})


class BindingLike(Protocol):
    """A role binding as the storage keeps it: role, scope kind and scope code as strings."""

    @property
    def role(self) -> str: ...

    @property
    def scope_kind(self) -> str: ...

    @property
    def scope_code(self) -> str: ...


@dataclass(frozen=True)
class CouncilPlace:
    """Where a council sits in the organisation: council → board → county → province."""

    code: str
    board_code: str
    county_code: str
    province_code: str


@dataclass(frozen=True)
class Scope:
    """The councils a person may see, as the units that contain them; empty sees nothing."""

    nation: bool = False
    councils: frozenset[str] = frozenset()
    boards: frozenset[str] = frozenset()
    counties: frozenset[str] = frozenset()
    provinces: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """Whether the scope covers no council at all."""
        return not (self.nation or self.councils or self.boards or self.counties or self.provinces)

    def covers(self, place: CouncilPlace) -> bool:
        """Whether a council at ``place`` is within the scope."""
        return (
            self.nation
            or place.code in self.councils
            or place.board_code in self.boards
            or place.county_code in self.counties
            or place.province_code in self.provinces
        )


def scope_of(bindings: Iterable[BindingLike], *, roles: Iterable[Role] | None = None) -> Scope:
    """The union of what ``bindings`` let a person see (only the bindings of ``roles`` when given).

    Secretaries' council scopes, board people's board scopes, officials' county / province / nation scopes
    and an admin's nation scope count; a binding whose kind does not fit its role counts for nothing.
    """
    # Remembered per set of bindings (a person's scope is asked for on every update they send).
    key = tuple((b.role, b.scope_kind, b.scope_code) for b in bindings)
    return _scope_of(key, None if roles is None else frozenset(roles))


@functools.lru_cache(maxsize=4096)
def _scope_of(bindings: tuple[tuple[str, str, str], ...], wanted: frozenset[Role] | None) -> Scope:
    nation = False
    units: dict[ScopeKind, set[str]] = {kind: set() for kind in ScopeKind}
    for role_name, kind_name, code in bindings:
        try:
            role, kind = Role(role_name), ScopeKind(kind_name)
        except ValueError:
            continue
        if wanted is not None and role not in wanted:
            continue
        if role is Role.SECRETARY and kind is ScopeKind.COUNCIL:
            units[kind].add(code)
        elif role in _BOARD_ROLES and kind is ScopeKind.BOARD:
            units[kind].add(code)
        elif role is Role.OFFICIAL and kind in (ScopeKind.COUNTY, ScopeKind.PROVINCE):
            units[kind].add(code)
        elif role in (Role.OFFICIAL, Role.ADMIN) and kind is ScopeKind.NATION:
            nation = True
    return Scope(
        nation=nation,
        councils=frozenset(units[ScopeKind.COUNCIL]),
        boards=frozenset(units[ScopeKind.BOARD]),
        counties=frozenset(units[ScopeKind.COUNTY]),
        provinces=frozenset(units[ScopeKind.PROVINCE]),
    )


#: The roles that may see the board's votes before (and after) the ruling.
VOTE_VIEWERS: frozenset[Role] = frozenset({*_BOARD_ROLES, Role.OFFICIAL, Role.ADMIN})


def sees_votes(bindings: Iterable[BindingLike], place: CouncilPlace) -> bool:
    """Whether the person may see the board's votes on a resolution of the council at ``place``."""
    return scope_of(bindings, roles=VOTE_VIEWERS).covers(place)


def visible_councils(bindings: Iterable[BindingLike], places: Iterable[CouncilPlace]) -> list[CouncilPlace]:
    """The councils among ``places`` that ``bindings`` let a person see, in the order given."""
    scope = scope_of(bindings)
    return [place for place in places if scope.covers(place)]
