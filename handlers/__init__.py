"""aiogram routers, one module per conversation or audience, and the views they share."""

from __future__ import annotations

from aiogram import Router

from . import admin, fallback, onboarding


def build_router() -> Router:
    """All conversations, in the order they should see an update; the fallback comes last."""
    root = Router(name="root")
    root.include_routers(onboarding.make_router(), admin.make_router(), fallback.make_router())
    return root
