"""Message catalogues: gettext ``.po`` files read directly, so a fresh clone needs no compile step."""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
LANGUAGES = ("fa", "en")


class CatalogueI18n(I18n):
    """aiogram's I18n, loading ``.po`` catalogues in memory (compiled ``.mo`` files are not kept in git)."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's gettext() looks the instance up on I18n itself; a subclass has a context of its own.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for folder in sorted(self.path.iterdir()):
            po_path = folder / "LC_MESSAGES" / f"{self.domain}.po"
            if not po_path.exists():
                continue
            with po_path.open("rb") as fp:
                catalog = read_po(fp, locale=folder.name)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            translations[folder.name] = gettext.GNUTranslations(buffer)
        return translations


def make_i18n(default_locale: str = "fa") -> CatalogueI18n:
    """The application's catalogues, Persian first."""
    return CatalogueI18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)
