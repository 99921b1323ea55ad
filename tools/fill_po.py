"""Fill Persian translations into the fa catalogue from a JSON file of {msgid: text}.

Usage: tools/catalogue.sh && .venv/bin/python tools/fill_po.py translations.json
Prints the msgids that still have no translation.
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po

PATH = "bot/locales/fa/LC_MESSAGES/messages.po"


def main(source: str) -> None:
    with open(source, encoding="utf-8") as fp:
        translations = json.load(fp)
    with open(PATH, "rb") as fp:
        catalog = read_po(fp, locale="fa")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if message.id in translations:
            message.string = translations[message.id]
            message.flags.discard("fuzzy")
        elif not message.string:
            missing.append(message.id)
    with open(PATH, "wb") as fp:
        write_po(fp, catalog, width=0)
    print("missing:", json.dumps(missing, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
