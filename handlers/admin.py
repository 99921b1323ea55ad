"""Administrators in the chat: issuing one-time invites (the CLI does the same for operators)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from council.clock import Clock
from council.invites import deep_link
from council.jalali import format_jalali_datetime
from council.roles import Role
from storage.repository import InvalidScope, Repository

from .access import HasRole
from .context import Deployment
from .views import binding_line, role_label, scope_name


async def issue_invite(
    message: Message,
    command: CommandObject,
    repo: Repository,
    person: Any,
    clock: Clock,
    deployment: Deployment,
) -> None:
    parts = (command.args or "").split()
    roles = {role.value: role for role in Role}
    if len(parts) != 2 or parts[0].lower() not in roles:
        await message.answer(
            _("Usage: /invite ROLE SCOPE_CODE\nRoles: {roles}").format(roles=", ".join(roles))
        )
        return
    role, scope_code = roles[parts[0].lower()], parts[1].upper()
    expires_at = clock.now() + dt.timedelta(days=deployment.invite_ttl_days)
    try:
        code = await repo.create_invite(role, scope_code, expires_at, created_by=person.id)
    except InvalidScope:
        await message.answer(
            _("There is no unit with code {code} that a {role} can be bound to.").format(
                code=scope_code, role=role_label(role)
            )
        )
        return
    await message.answer(
        _("One-time invite for {binding}\nCode: {code}\nLink: {link}\nValid until {expires}").format(
            binding=binding_line(role, await scope_name(repo, scope_code)),
            code=code,
            link=deep_link(deployment.platform, deployment.bot_username, code),
            expires=format_jalali_datetime(expires_at),
        )
    )


def make_router() -> Router:
    """Administrators only."""
    router = Router(name="admin")
    router.message.filter(HasRole(Role.ADMIN))
    router.message.register(issue_invite, Command("invite"))
    return router
