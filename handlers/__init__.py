"""aiogram routers, one module per conversation or audience, and the views they share."""

from __future__ import annotations

from aiogram import Router

from . import (
    admin,
    escalation,
    fallback,
    mine,
    onboarding,
    reconsideration,
    report,
    review,
    settings,
    status,
    submission,
)


def build_router() -> Router:
    """All conversations, in the order they should see an update; the fallback comes last."""
    root = Router(name="root")
    # The form comes first: its steps take the texts that other routers would read as something else.
    root.include_routers(
        submission.make_router(),
        review.make_router(),
        reconsideration.make_router(),
        escalation.make_router(),
        mine.make_router(),
        status.make_router(),
        report.make_router(),
        onboarding.make_router(),
        settings.make_router(),
        admin.make_router(),
        fallback.make_router(),
    )
    return root
