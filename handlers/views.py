"""Texts and keyboards shared by several conversations. Every user-facing string comes from the catalogue."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from council.roles import NATION_CODE, Role
from storage.repository import Repository

from .callbacks import LanguageCallback


def role_label(role: Role) -> str:
    labels = {
        Role.SECRETARY: _("council secretary"),
        Role.MEMBER: _("conformity board member"),
        Role.EXPERT: _("advisory expert"),
        Role.BOARD_SECRETARY: _("conformity board secretary"),
        Role.OFFICIAL: _("supervising official"),
        Role.ADMIN: _("system administrator"),
    }
    return labels[role]


def role_duties(role: Role) -> str:
    duties = {
        Role.SECRETARY: _("submit your council's resolutions and answer the board's objections"),
        Role.MEMBER: _("vote on the resolutions your board reviews: no conflict, or conflict with grounds"),
        Role.EXPERT: _("write a non-binding expert opinion that members see before voting"),
        Role.BOARD_SECRETARY: _("oversee your board's queue and receive every deadline warning"),
        Role.OFFICIAL: _("ask for status and performance within your area and receive digests"),
        Role.ADMIN: _("load the organisation and issue invites"),
    }
    return duties[role]


async def scope_name(repo: Repository, code: str) -> str:
    """The name people know a scope by (the nation has no row, so its name is in the catalogue)."""
    if code == NATION_CODE:
        return _("the whole country")
    scope = await repo.resolve_scope(code)
    return scope.name if scope else code


def binding_line(role: Role, scope_name: str) -> str:
    return _("{role} — {scope}").format(role=role_label(role), scope=scope_name)


def help_text(bindings: Sequence[tuple[Role, str]], commands: Sequence[str]) -> str:
    """The /help card: each role with what it allows, then the commands available."""
    lines = [_("Your roles:")]
    for role, scope_name in bindings:
        lines.append("• " + binding_line(role, scope_name))
        lines.append("  " + role_duties(role))
    lines.append("")
    lines.append(_("Commands:"))
    lines.extend(f"/{name}" for name in commands)
    return "\n".join(lines)


def language_keyboard(owner: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="فارسی", callback_data=LanguageCallback(owner=owner, code="fa").pack()
                ),
                InlineKeyboardButton(
                    text="English", callback_data=LanguageCallback(owner=owner, code="en").pack()
                ),
            ]
        ]
    )
