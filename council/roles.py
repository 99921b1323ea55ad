"""Who may do what, and over which part of the organisation (DESIGN §1)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A person's role; a person may hold several bindings."""

    SECRETARY = "secretary"
    MEMBER = "member"
    EXPERT = "expert"
    BOARD_SECRETARY = "board_secretary"
    OFFICIAL = "official"
    ADMIN = "admin"


class ScopeKind(StrEnum):
    """The kind of organisational unit a role binding covers."""

    COUNCIL = "council"
    BOARD = "board"
    COUNTY = "county"
    PROVINCE = "province"
    NATION = "nation"


#: The scope kinds a role may be bound to.
ROLE_SCOPES: dict[Role, frozenset[ScopeKind]] = {
    Role.SECRETARY: frozenset({ScopeKind.COUNCIL}),
    Role.MEMBER: frozenset({ScopeKind.BOARD}),
    Role.EXPERT: frozenset({ScopeKind.BOARD}),
    Role.BOARD_SECRETARY: frozenset({ScopeKind.BOARD}),
    Role.OFFICIAL: frozenset({ScopeKind.COUNTY, ScopeKind.PROVINCE, ScopeKind.NATION}),
    Role.ADMIN: frozenset({ScopeKind.NATION}),
}

#: The code that names the whole nation as a scope.
NATION_CODE = "IR"


def scope_allowed(role: Role, kind: ScopeKind) -> bool:
    """Whether ``role`` may be bound to a unit of kind ``kind``."""
    return kind in ROLE_SCOPES[role]
