"""Text as people see it: Telegram-style HTML parsing into plain text plus entities, and command entities.

Entity offsets and lengths are in UTF-16 code units, as in the Bot API. The HTML rules follow the Bot API's
"HTML style" section: only the listed tags are allowed, tags must be closed and properly nested, and only
``&lt; &gt; &amp; &quot;`` and numeric character references are decoded (any other ``&`` stays as it is).
A bare ``<`` that does not start a tag is an error: exactly the mistake that breaks a bot in production
when it interpolates user text without escaping it.
"""

from __future__ import annotations

import html
import re
from typing import Any

Entity = dict[str, Any]

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z_-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR = re.compile(r"([A-Za-z_-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_CHAR_REF = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_COMMAND = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/])")


class EntityParseError(ValueError):
    """Telegram's "Bad Request: can't parse entities: ..."."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


def _attributes(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attrs[match[1].lower()] = html.unescape(value)
    return attrs


def _entity(name: str, attrs: dict[str, str], offset: int, length: int) -> Entity:
    kind = _TAG_ENTITY[name]
    entity: Entity = {"type": kind, "offset": offset, "length": length}
    if name == "a":
        entity["url"] = attrs.get("href", "")
    elif name == "pre" and "language" in attrs:
        entity["language"] = attrs["language"]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif name == "tg-time":
        if attrs.get("unix", "").isdigit():
            entity["unix_time"] = int(attrs["unix"])
        if "format" in attrs:
            entity["date_time_format"] = attrs["format"]
    return entity


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse ``parse_mode=HTML`` text into (visible text, entities), or raise :class:`EntityParseError`."""
    out: list[str] = []
    entities: list[Entity] = []
    stack: list[tuple[str, int, dict[str, str]]] = []
    pos = 0  # UTF-16 offset in the output
    i = 0
    while i < len(source):
        char = source[i]
        if char == "<":
            match = _TAG.match(source, i)
            if match is None:
                raise EntityParseError(
                    f"can't parse entities: unexpected '<' that does not start a tag at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            closing, name, attrs = match[1] == "/", match[2].lower(), _attributes(match[3])
            if not closing:
                if name not in _TAG_ENTITY:
                    raise EntityParseError(
                        f'can\'t parse entities: unsupported start tag "{name}" at byte offset '
                        f"{_byte_offset(source, i)}"
                    )
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise EntityParseError(
                        f'can\'t parse entities: tag "span" must have class "tg-spoiler" at byte offset '
                        f"{_byte_offset(source, i)}"
                    )
                stack.append((name, pos, attrs))
            else:
                if not stack or stack[-1][0] != name:
                    expected = f'expected "</{stack[-1][0]}>"' if stack else "no tag is open"
                    raise EntityParseError(
                        f"can't parse entities: unmatched end tag at byte offset {_byte_offset(source, i)}, "
                        f'{expected}, found "</{name}>"'
                    )
                open_name, start, open_attrs = stack.pop()
                language = open_attrs.get("class", "")
                if (
                    open_name == "code"
                    and stack
                    and stack[-1][0] == "pre"
                    and language.startswith("language-")
                ):
                    stack[-1][2]["language"] = language.removeprefix("language-")
                elif pos > start:
                    entities.append(_entity(open_name, open_attrs, start, pos - start))
            i = match.end()
            continue
        if char == "&" and (ref := _CHAR_REF.match(source, i)):
            char = html.unescape(ref[0])
            i = ref.end()
        else:
            i += 1
        out.append(char)
        pos += utf16_len(char)
    if stack:
        raise EntityParseError(
            f"can't parse entities: can't find end tag corresponding to start tag \"{stack[-1][0]}\""
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return strip_text("".join(out), entities)


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram trims leading and trailing whitespace of message texts; entities follow the trimmed text."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


def command_entities(text: str) -> list[Entity]:
    """The ``bot_command`` entities Telegram attaches to a text a person sends ("/start", "/help@SomeBot")."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
        for m in _COMMAND.finditer(text)
    ]


def render(
    text: str, parse_mode: str | None, entities: list[Entity] | None = None
) -> tuple[str, list[Entity]]:
    """What a recipient sees: HTML is parsed; explicit entities are kept; other parse modes stay as sent."""
    if entities:
        return strip_text(text, entities)
    if parse_mode is not None and parse_mode.upper() == "HTML":
        return parse_html(text)
    return strip_text(text, [])
