"""Message catalogues: gettext ``.po`` files read directly, so a fresh clone needs no compile step."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from gettext import GNUTranslations
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
LANGUAGES = ("fa", "en")
_NOTHING: dict[str, str] = {}


class CatalogueI18n(I18n):
    """aiogram's I18n, loading ``.po`` catalogues in memory (compiled ``.mo`` files are not kept in git).

    A message without plural forms is looked up in one dictionary per locale: a status card asks for about
    sixteen, and aiogram's way (the locale's context variable through a property, the locale checked among
    the catalogues, then ``GNUTranslations.gettext``) cost three calls more each. What the dictionary does
    not hold (plural forms, a message with no translation, a locale without a catalogue) goes aiogram's way.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._index()

    def reload(self) -> None:
        super().reload()
        self._index()

    def _index(self) -> None:
        # GNUTranslations keys a message without plural forms by its text, plural ones by (text, n).
        self._singular: dict[str, dict[str, str]] = {
            locale: {key: text for key, text in translations._catalog.items() if isinstance(key, str)}  # type: ignore[attr-defined]
            for locale, translations in self.locales.items()
        }

    def gettext(self, singular: str, plural: str | None = None, n: int = 1, locale: str | None = None) -> str:
        if plural is None:
            found = self._singular.get(self.ctx_locale.get() if locale is None else locale, _NOTHING).get(
                singular
            )
            if found is not None:
                return found
        return super().gettext(singular, plural, n, locale)

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's gettext() looks the instance up on I18n itself; a subclass has a context of its own.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, GNUTranslations]:
        translations: dict[str, GNUTranslations] = {}
        for folder in sorted(self.path.iterdir()):
            po_path = folder / "LC_MESSAGES" / f"{self.domain}.po"
            if not po_path.exists():
                continue
            with po_path.open("rb") as fp:
                catalog = read_po(fp, locale=folder.name)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            translations[folder.name] = GNUTranslations(buffer)
        return translations


def make_i18n(default_locale: str = "fa") -> CatalogueI18n:
    """The application's catalogues, Persian first."""
    return CatalogueI18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)
