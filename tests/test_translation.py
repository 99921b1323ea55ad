"""The card's gettext (``handlers.translation``) answers what aiogram's does, in every case."""

from __future__ import annotations

import contextvars

import pytest
from aiogram.utils.i18n import gettext as aiogram_gettext

from bot.i18n import make_i18n
from handlers.translation import gettext


def test_the_same_words_as_aiogram_in_each_locale_and_outside_a_context() -> None:
    i18n = make_i18n()
    messages = ["Status: {value}", "under review", " and ", "a message in no catalogue"]
    with i18n.context():
        with i18n.use_locale("fa"):
            assert gettext("Status: {value}") == "وضعیت: {value}"
            assert gettext("a message in no catalogue") == "a message in no catalogue"
            assert [gettext(m) for m in messages] == [aiogram_gettext(m) for m in messages]
        with i18n.use_locale("en"):
            assert [gettext(m) for m in messages] == [aiogram_gettext(m) for m in messages]
        with i18n.use_locale("de"):  # no catalogue: the message itself
            assert [gettext(m) for m in messages] == messages
    # Outside any I18n context, as aiogram's.
    with pytest.raises(LookupError):
        contextvars.Context().run(gettext, "Status: {value}")
    with pytest.raises(LookupError):
        contextvars.Context().run(aiogram_gettext, "Status: {value}")


def test_an_i18n_that_translates_otherwise_is_asked_itself() -> None:
    class Shouting(type(make_i18n())):  # type: ignore[misc]
        def gettext(
            self, singular: str, plural: str | None = None, n: int = 1, locale: str | None = None
        ) -> str:
            return singular.upper()

    shouting = Shouting(path=make_i18n().path, default_locale="fa", domain="messages")
    with shouting.context(), shouting.use_locale("fa"):
        assert gettext("under review") == "UNDER REVIEW"
