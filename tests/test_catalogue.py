"""Every user-facing string in the code has its Persian text in the catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from bot.i18n import LOCALES_DIR, make_i18n

ROOT = Path(__file__).resolve().parent.parent


def code_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("handlers", "bot", "reminders"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, keywords={"_": None, "__": None}
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_code_has_a_persian_translation() -> None:
    i18n = make_i18n("fa")
    catalogue = i18n.locales["fa"]
    same_in_both = {"{role} — {scope}"}
    missing = sorted(m for m in code_messages() if catalogue.gettext(m) == m and m not in same_in_both)
    assert missing == []


def test_catalogues_load_from_po_files_without_a_compile_step() -> None:
    i18n = make_i18n("fa")
    assert sorted(i18n.available_locales) == ["en", "fa"]
    assert i18n.gettext("Your roles:", locale="fa") == "نقش‌های شما:"
    assert i18n.gettext("Your roles:", locale="en") == "Your roles:"
    assert (LOCALES_DIR / "fa" / "LC_MESSAGES" / "messages.po").exists()


def test_a_message_looked_up_directly_reads_what_the_catalogue_holds() -> None:
    i18n = make_i18n("fa")
    for locale, catalogue in i18n.locales.items():
        with i18n.use_locale(locale):
            for message in sorted(code_messages()):
                assert i18n.gettext(message) == catalogue.gettext(message), (locale, message)
                assert i18n.gettext(message, locale=locale) == catalogue.gettext(message)
    with i18n.use_locale("fa"):
        assert i18n.gettext("Your roles:") == "نقش‌های شما:"
        assert i18n.gettext("Your roles:", locale="en") == "Your roles:"
        assert i18n.gettext("not in any catalogue") == "not in any catalogue"
        # Plural forms and a locale without a catalogue go aiogram's way.
        assert i18n.gettext("one day", "{n} days", 3) == "{n} days"
        assert i18n.gettext("Your roles:", locale="de") == "Your roles:"
