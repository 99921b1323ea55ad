"""``gettext`` for the words of a card: what ``aiogram.utils.i18n.gettext`` answers, with fewer layers.

A status card looks up about twenty messages; aiogram's ``gettext`` reaches the catalogue through five calls
(its module function, the context's instance, ``I18n.gettext``, the current locale's property, the
catalogue), about 2 µs a message on the machine of docs/PERFORMANCE.md, where this takes about 1 µs. The
answer is the same: the message translated into the current locale's catalogue, the message itself when
that locale has no catalogue, ``LookupError`` outside an I18n context. An I18n whose class answers
``gettext`` otherwise than aiogram's is asked itself.
"""

from __future__ import annotations

from aiogram.utils.i18n import I18n

_get_current = I18n.get_current
_plain_gettext = I18n.gettext


def gettext(message: str) -> str:
    """``message`` in the current locale (see the module)."""
    current = _get_current(no_error=True)
    if current is None:
        raise LookupError("I18n context is not set")
    if type(current).gettext is not _plain_gettext:
        return str(current.gettext(message))
    translations = current.locales.get(current.ctx_locale.get())
    return message if translations is None else translations.gettext(message)
