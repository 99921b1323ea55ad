"""The Bot API specification (``api.min.json``) and a checker for calls made against it.

Parameters reach a Bot API server in one of three encodings; the checker accepts each the way Telegram does:

* form fields (``application/x-www-form-urlencoded`` or ``multipart/form-data``): every value is a string.
  aiogram's ``AiohttpSession.build_form_data`` sends strings as they are and everything else through
  ``json.dumps``: ``Integer`` arrives as ``"42"``, ``Boolean`` as ``"true"``/``"false"``, objects and arrays
  as JSON text. Files travel as separate multipart parts and the parameter says ``"attach://<part name>"``.
* a JSON body: values are JSON-native (a ``str`` value is still decoded like a form field, as Telegram does).
* a file part named after the parameter itself (the classic upload, e.g. a part called ``document``).

So a top-level ``str`` is decoded according to the declared types; anything else is checked as JSON.
Nested objects are checked against the spec's type definitions: unknown keys, missing required keys, wrong
JSON types, the ``type`` discriminator of union types, and length limits written in the descriptions
("1-64 bytes", "1-4096 characters after entities parsing").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bot.apiserver.markup import EntityParseError, parse_html

SPEC_PATH = Path(__file__).with_name("api.min.json")

_INTEGER = re.compile(r"-?\d+\Z")
_USERNAME = re.compile(r"@[A-Za-z0-9_]{1,64}\Z")
_LIMIT = re.compile(r"(\d+)-(\d+) (characters|bytes)")
# The discriminator of a union member: 'Scope type, must be chat', 'Type of the reaction, always "emoji"'.
_CONSTANT = re.compile(r'(?:must be|always)\s+"?([a-z0-9_]+)"?\s*$')
_DISCRIMINATORS = ("type", "status", "source")
ATTACH_PREFIX = "attach://"


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request."""

    part: str
    filename: str
    content_type: str
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"UploadedFile({self.part!r}, {self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"
        )


@dataclass(frozen=True)
class SpecViolation:
    """A call that the Bot API specification does not allow."""

    method: str
    problem: str

    def __str__(self) -> str:
        return f"{self.method}: {self.problem}"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str

    @property
    def length_limit(self) -> tuple[int, int, str] | None:
        """``(low, high, unit)`` from a description such as "1-64 bytes"; unit is "characters" or "bytes"."""
        match = _LIMIT.search(self.description)
        if match is None or "String" not in self.types:
            return None
        return int(match[1]), int(match[2]), match[3]

    @property
    def after_entities_parsing(self) -> bool:
        return "after entit" in self.description

    @property
    def constant(self) -> str | None:
        """The fixed value of a discriminator field ("must be chat", 'always "emoji"')."""
        if self.name not in _DISCRIMINATORS or self.types != ("String",):
            return None
        match = _CONSTANT.search(self.description)
        return match[1] if match else None

    @property
    def username_allowed(self) -> bool:
        """``Integer or String`` chat identifiers whose string form is "@username"."""
        return set(self.types) == {"Integer", "String"} and "@" in self.description


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...]

    @property
    def discriminator(self) -> tuple[str, str] | None:
        for spec in self.fields.values():
            if spec.constant is not None:
                return spec.name, spec.constant
        return None


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass
class CheckedCall:
    """The outcome of checking one call: problems found and the decoded parameter values."""

    method: str
    known: bool
    problems: list[str]
    values: dict[str, Any]


def _fields(raw: Iterable[Mapping[str, Any]]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]), f.get("description", ""))
        for f in raw
    }


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, UploadedFile):
        return "file"
    return "object"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def visible_length(text: str, parse_mode: str | None) -> int:
    """Length in characters after entity parsing (HTML only; other modes are measured as sent)."""
    if parse_mode is not None and parse_mode.upper() == "HTML":
        try:
            return len(parse_html(text)[0])
        except EntityParseError:
            return len(text)
    return len(text.strip())


class BotApiSpec:
    """The methods and types of one Bot API version."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = raw.get("version", "unknown")
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(name, _fields(m.get("fields", [])), tuple(m.get("returns", [])))
            for name, m in raw["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(name, _fields(t.get("fields", [])), tuple(t.get("subtypes", [])))
            for name, t in raw["types"].items()
        }
        self._by_lower = {name.lower(): spec for name, spec in self.methods.items()}

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> BotApiSpec:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def method(self, name: str) -> MethodSpec | None:
        """Method names are case-insensitive, as on Telegram."""
        return self._by_lower.get(name.lower())

    def check_call(
        self,
        method: str,
        params: Mapping[str, Any],
        attachments: Mapping[str, UploadedFile] | None = None,
    ) -> CheckedCall:
        spec = self.method(method)
        if spec is None:
            return CheckedCall(method, False, [f"unknown method {method!r}"], {})
        checker = _Checker(self, attachments or {})
        problems: list[str] = []
        values: dict[str, Any] = {}
        for name, raw in params.items():
            fspec = spec.fields.get(name)
            if fspec is None:
                problems.append(f"unknown parameter {name!r}")
                continue
            if raw is None:  # JSON null: Telegram treats it as absent
                continue
            value, errors = checker.top_level(raw, fspec)
            problems += errors
            values[name] = value
        for fspec in spec.fields.values():
            if fspec.required and fspec.name not in values:
                problems.append(f"missing required parameter {fspec.name!r}")
        problems += self._top_level_lengths(spec, values)
        return CheckedCall(spec.name, True, problems, values)

    def check_value(
        self,
        value: Any,
        types: Sequence[str],
        path: str = "value",
        attachments: Mapping[str, UploadedFile] | None = None,
    ) -> list[str]:
        """Check a JSON-native value against a list of alternative types (e.g. a result or an update)."""
        return _Checker(self, attachments or {}).value(value, types, path)

    @staticmethod
    def _top_level_lengths(spec: MethodSpec, values: Mapping[str, Any]) -> list[str]:
        problems = []
        for name, value in values.items():
            fspec = spec.fields[name]
            limit = fspec.length_limit
            if limit is None or not isinstance(value, str):
                continue
            low, high, unit = limit
            if unit == "bytes":
                size = len(value.encode())
            elif fspec.after_entities_parsing:
                mode = values.get("parse_mode")
                size = visible_length(value, mode if isinstance(mode, str) else None)
            else:
                size = len(value)
            if not low <= size <= high:
                problems.append(f"{name} must be {low}-{high} {unit}, got {size}")
        return problems


class _Checker:
    def __init__(self, spec: BotApiSpec, attachments: Mapping[str, UploadedFile]) -> None:
        self.spec = spec
        self.attachments = attachments

    # -- top level: wire strings ------------------------------------------------------------------------
    def top_level(self, raw: Any, fspec: FieldSpec) -> tuple[Any, list[str]]:
        name = fspec.name
        if isinstance(raw, UploadedFile):
            if "InputFile" in fspec.types:
                return raw, []
            return raw, [f"{name}: a file was uploaded but the parameter is {' or '.join(fspec.types)}"]
        if not isinstance(raw, str):
            return raw, self.value(raw, fspec.types, name)
        decoded, errors = self._decode(raw, fspec.types, name)
        if (
            not errors
            and isinstance(decoded, str)
            and fspec.username_allowed
            and not _USERNAME.match(decoded)
        ):
            errors = [f"{name}: expected an integer or '@username', got {_short(raw)}"]
        return decoded, errors

    def _decode(self, text: str, types: Sequence[str], path: str) -> tuple[Any, list[str]]:
        for type_name in types:
            if type_name == "String":
                return text, []
            if type_name == "Integer" and _INTEGER.match(text):
                return int(text), []
            if type_name == "Float":
                try:
                    return float(text), []
                except ValueError:
                    continue
            if type_name == "Boolean" and text.lower() in ("true", "false"):
                return text.lower() == "true", []
            if type_name == "InputFile" and text.startswith(ATTACH_PREFIX):
                part = text.removeprefix(ATTACH_PREFIX)
                if part in self.attachments:
                    return self.attachments[part], []
                return text, [f"{path}: {text!r} names no uploaded file part"]
        structured = [
            t for t in types if t.startswith("Array of ") or (t in self.spec.types and t != "InputFile")
        ]
        if structured:
            try:
                parsed = json.loads(text)
            except ValueError:
                return text, [
                    f"{path}: expected JSON-serialized {' or '.join(structured)}, got {_short(text)}"
                ]
            return parsed, self.value(parsed, structured, path)
        return text, [f"{path}: expected {' or '.join(types)}, got {_short(text)}"]

    # -- nested: JSON values ----------------------------------------------------------------------------
    def value(self, value: Any, types: Sequence[str], path: str) -> list[str]:
        best: list[str] | None = None
        for type_name in types:
            kind_matches, errors = self._one(value, type_name, path)
            if not errors:
                return []
            if kind_matches and (best is None or len(errors) < len(best)):
                best = errors
        if best is not None:
            return best
        return [f"{path}: expected {' or '.join(types)}, got {_json_kind(value)} {_short(value)}"]

    def _one(self, value: Any, type_name: str, path: str) -> tuple[bool, list[str]]:
        """Check against one type; returns (whether the JSON kind fits, problems)."""
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return False, ["not an array"]
            inner = type_name.removeprefix("Array of ")
            return True, [
                e for i, item in enumerate(value) for e in self.value(item, [inner], f"{path}[{i}]")
            ]
        scalar = {
            "Integer": isinstance(value, int) and not isinstance(value, bool),
            "Float": isinstance(value, int | float) and not isinstance(value, bool),
            "Boolean": isinstance(value, bool),
            "String": isinstance(value, str),
        }
        if type_name in scalar:
            return scalar[type_name], ([] if scalar[type_name] else ["wrong kind"])
        if type_name == "InputFile":
            if isinstance(value, UploadedFile):
                return True, []
            if isinstance(value, str) and value.startswith(ATTACH_PREFIX):
                ok = value.removeprefix(ATTACH_PREFIX) in self.attachments
                return True, [] if ok else [f"{path}: {value!r} names no uploaded file part"]
            return False, ["not a file"]
        tspec = self.spec.types.get(type_name)
        if tspec is None:
            return True, []  # a type the spec does not describe: nothing to check against
        if not isinstance(value, dict):
            return False, ["not an object"]
        if tspec.subtypes:
            return True, self._union(value, tspec, path)
        return True, self._object(value, tspec, path)

    def _union(self, value: dict[str, Any], tspec: TypeSpec, path: str) -> list[str]:
        members = [self.spec.types[s] for s in tspec.subtypes if s in self.spec.types]
        for member in members:
            disc = member.discriminator
            if disc is not None and value.get(disc[0]) == disc[1]:
                return self._object(value, member, path)
        discs = sorted({f"{d[0]}={d[1]!r}" for m in members if (d := m.discriminator)})
        if discs and len(discs) == len(members):
            return [f"{path}: {tspec.name} needs one of {', '.join(discs)}"]
        return self.value(value, list(tspec.subtypes), path)

    def _object(self, value: dict[str, Any], tspec: TypeSpec, path: str) -> list[str]:
        problems: list[str] = []
        for key, item in value.items():
            fspec = tspec.fields.get(key)
            sub = f"{path}.{key}"
            if fspec is None:
                problems.append(f"{sub}: unknown field of {tspec.name}")
                continue
            if item is None:
                continue
            errors = self.value(item, fspec.types, sub)
            problems += errors
            if not errors and fspec.constant is not None and item != fspec.constant:
                problems.append(f"{sub}: must be {fspec.constant!r} in {tspec.name}, got {item!r}")
            limit = fspec.length_limit
            if not errors and limit is not None and isinstance(item, str):
                low, high, unit = limit
                size = len(item.encode()) if unit == "bytes" else len(item)
                if not low <= size <= high:
                    problems.append(f"{sub}: must be {low}-{high} {unit}, got {size}")
        for fspec in tspec.fields.values():
            if fspec.required and value.get(fspec.name) is None:
                problems.append(f"{path}.{fspec.name}: required field of {tspec.name} is missing")
        return problems


@cache
def default_spec() -> BotApiSpec:
    """The packaged specification, loaded once."""
    return BotApiSpec.load()


def check_call(
    method: str,
    params: Mapping[str, Any],
    attachments: Mapping[str, UploadedFile] | None = None,
) -> list[str]:
    """Problems with one call (empty when the specification allows it)."""
    return default_spec().check_call(method, params, attachments).problems
