"""The secretary's submission form (DESIGN §4), validated one answer at a time, and tracking codes.

Each ``validate_*`` function takes one answer as the user gave it and returns the clean value, or raises
:class:`SubmissionError` with a :class:`SubmissionErrorCode` and the numbers its message needs (``params``).
The chat layer maps the code to a catalogue message; nothing here speaks to the user.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import TypeVar

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from council.deadlines import is_late_submission, submission_deadline
from council.jalali import JalaliParseError, parse_jalali_date, tehran_date
from council.rules import LateSubmissionPolicy, StatutoryRules
from council.text import normalize_persian, to_latin_digits

TITLE_MIN, TITLE_MAX = 5, 200
TEXT_MIN, TEXT_MAX = 10, 20_000
SESSION_MIN, SESSION_MAX = 1, 9999
COUNCIL_NUMBER_MAX_DIGITS = 10
COUNCIL_NUMBER_MAX_SUFFIX = 4

#: The Bot API's ``getFile`` serves files up to 20 MB; a local Bot API server lifts the limit.
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024

# Hyphens and dashes a phone keyboard or a word processor may give, and the direction marks that come
# along when text is copied out of a right-to-left message.
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"
_SLASHES = "/\u2044\u2215"
_BIDI_MARKS = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"

_COUNCIL_NUMBER = re.compile(
    rf"(?P<number>[0-9]{{1,{COUNCIL_NUMBER_MAX_DIGITS}}})"
    rf"(?:\s*(?P<sep>[{_SLASHES}{_DASHES}])\s*(?P<suffix>[^\W_]{{1,{COUNCIL_NUMBER_MAX_SUFFIX}}}))?"
)
_WHOLE_NUMBER = re.compile(r"[0-9]+")
# Three counts typed in one answer: "7 2 0", "۷-۲-۰", "7/2/0", "7، 2، 0".
_VOTE_SEPARATORS = re.compile(rf"[\s,،؛;{_SLASHES}{_DASHES}]+")
_TRACKING_NOISE = re.compile(rf"[\s{_DASHES}{_BIDI_MARKS}]+")


class SubmissionErrorCode(StrEnum):
    """Why an answer of the submission form was refused; the catalogue has one message per code."""

    COUNCIL_NUMBER_FORMAT = "council_number_format"  # params: max_digits, max_suffix
    SESSION_NUMBER_FORMAT = "session_number_format"  # params: min, max
    SESSION_NUMBER_RANGE = "session_number_range"  # params: min, max, value
    APPROVAL_DATE_FORMAT = "approval_date_format"
    APPROVAL_DATE_MONTH = "approval_date_month"
    APPROVAL_DATE_DAY = "approval_date_day"
    APPROVAL_DATE_FUTURE = "approval_date_future"  # params: today
    APPROVAL_DATE_LATE = "approval_date_late"  # params: window_days, deadline
    TITLE_TOO_SHORT = "title_too_short"  # params: min, max, length
    TITLE_TOO_LONG = "title_too_long"  # params: min, max, length
    TEXT_TOO_SHORT = "text_too_short"  # params: min, max, length
    TEXT_TOO_LONG = "text_too_long"  # params: min, max, length
    CATEGORY_UNKNOWN = "category_unknown"
    VOTES_FORMAT = "votes_format"  # params: count (how many numbers were expected)
    VOTES_EXCEED_SEATS = "votes_exceed_seats"  # params: total, seats
    VOTES_NO_MAJORITY = "votes_no_majority"  # params: for_, total, needed
    ATTACHMENT_TYPE = "attachment_type"  # params: allowed
    TEXT_FILE_TYPE = "text_file_type"  # params: allowed
    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"  # params: size, max_size
    TEXT_FILE_ENCODING = "text_file_encoding"
    TEXT_FILE_UNREADABLE = "text_file_unreadable"  # a PDF with no text layer (e.g. a scan)


class SubmissionError(ValueError):
    """An answer was refused: ``code`` names the reason, ``params`` carry what its message shows."""

    def __init__(self, code: SubmissionErrorCode, **params: object) -> None:
        super().__init__(f"{code.value} {params}" if params else code.value)
        self.code = code
        self.params: Mapping[str, object] = MappingProxyType(params)


# --- numbers and dates


def validate_council_number(text: str) -> str:
    """The council's own number for the resolution, in canonical form.

    Accepted: 1–10 digits, optionally followed by ``/`` or ``-`` and a part of 1–4 digits or letters
    (``12``, ``12/3``, ``45-الف``). Digits may be Persian, Arabic-Indic or Latin and come out Latin;
    spaces around the separator are dropped, any slash becomes ``/`` and any dash ``-``. Leading zeros of
    the number are dropped (``012`` and ``12`` are the same resolution); a number of only zeros is refused.
    """
    cleaned = to_latin_digits(normalize_persian(text))
    match = _COUNCIL_NUMBER.fullmatch(cleaned)
    if match is None or int(match["number"]) == 0:
        raise SubmissionError(
            SubmissionErrorCode.COUNCIL_NUMBER_FORMAT,
            max_digits=COUNCIL_NUMBER_MAX_DIGITS,
            max_suffix=COUNCIL_NUMBER_MAX_SUFFIX,
        )
    number = match["number"].lstrip("0")
    if match["suffix"] is None:
        return number
    separator = "/" if match["sep"] in _SLASHES else "-"
    return f"{number}{separator}{match['suffix']}"


def validate_session_number(text: str) -> int:
    """The number of the council session that approved the resolution: a whole number 1–9999."""
    value = _whole_number(text, SubmissionErrorCode.SESSION_NUMBER_FORMAT, min=SESSION_MIN, max=SESSION_MAX)
    if not SESSION_MIN <= value <= SESSION_MAX:
        raise SubmissionError(
            SubmissionErrorCode.SESSION_NUMBER_RANGE, min=SESSION_MIN, max=SESSION_MAX, value=value
        )
    return value


@dataclass(frozen=True, slots=True)
class ApprovalDate:
    """A valid approval date; ``late`` when a submission now falls after ``deadline`` (a Tehran day)."""

    date: dt.date
    late: bool
    deadline: dt.date


_JALALI_ERRORS: Mapping[str, SubmissionErrorCode] = MappingProxyType(
    {
        "month": SubmissionErrorCode.APPROVAL_DATE_MONTH,
        "day": SubmissionErrorCode.APPROVAL_DATE_DAY,
    }
)


def validate_approval_date(value: str | dt.date, now: dt.datetime, rules: StatutoryRules) -> ApprovalDate:
    """The date the council approved the resolution, typed as a Jalali date or picked (a Gregorian date).

    Refused when it is after today in Tehran, or when a submission at ``now`` is late and the policy is
    ``late_submission = refuse``; with ``flag`` a late date is accepted and marked ``late``. Lateness
    depends on ``now``: a form resumed days later must be checked again when it is sent (call this again
    with the stored date).
    """
    if isinstance(value, dt.datetime):
        raise TypeError("an approval date is a date, not an instant")
    if isinstance(value, dt.date):
        date = value
    else:
        try:
            date = parse_jalali_date(value)
        except JalaliParseError as exc:
            code = _JALALI_ERRORS.get(exc.code, SubmissionErrorCode.APPROVAL_DATE_FORMAT)
            raise SubmissionError(code) from exc
    today = tehran_date(now)
    if date > today:
        raise SubmissionError(SubmissionErrorCode.APPROVAL_DATE_FUTURE, today=today)
    deadline = submission_deadline(date, rules)
    late = is_late_submission(date, now, rules)
    if late and rules.late_submission == LateSubmissionPolicy.REFUSE:
        raise SubmissionError(
            SubmissionErrorCode.APPROVAL_DATE_LATE,
            window_days=rules.submission_window_days,
            deadline=deadline,
        )
    return ApprovalDate(date=date, late=late, deadline=deadline)


# --- title, text, category


def validate_title(text: str) -> str:
    """The resolution's title: one line of normalised Persian text, 5–200 characters."""
    title = normalize_persian(text.replace("\r", " ").replace("\n", " "))
    _check_length(
        title, TITLE_MIN, TITLE_MAX, SubmissionErrorCode.TITLE_TOO_SHORT, SubmissionErrorCode.TITLE_TOO_LONG
    )
    return title


def validate_text(text: str) -> str:
    """The resolution's full text, normalised (line breaks kept), 10–20,000 characters.

    A text sent as several messages is joined by the caller and validated whole.
    """
    body = normalize_persian(text)
    _check_length(
        body, TEXT_MIN, TEXT_MAX, SubmissionErrorCode.TEXT_TOO_SHORT, SubmissionErrorCode.TEXT_TOO_LONG
    )
    return body


class Category(StrEnum):
    """The subject area of a resolution; the labels people see live in the catalogue."""

    CIVIL_WORKS = "civil_works"
    CULTURE_SOCIAL = "culture_social"
    ECONOMY_INVESTMENT = "economy_investment"
    FINANCE_BUDGET = "finance_budget"
    URBAN_SERVICES = "urban_services"
    ADMIN_EMPLOYMENT = "admin_employment"
    OTHER = "other"


def validate_category(value: str) -> Category:
    """The category whose code is ``value`` (as carried by a button's callback data)."""
    try:
        return Category(value.strip())
    except ValueError:
        raise SubmissionError(SubmissionErrorCode.CATEGORY_UNKNOWN) from None


# --- the council's vote


@dataclass(frozen=True, slots=True)
class Votes:
    """How the council voted on the resolution: members for, against and abstaining."""

    for_: int
    against: int
    abstain: int

    @property
    def total(self) -> int:
        """Members who took part in the vote (abstentions included)."""
        return self.for_ + self.against + self.abstain


def majority_needed(voting: int) -> int:
    """The smallest count that is more than half of ``voting``: 2 of 3, 3 of 4, 3 of 5."""
    return voting // 2 + 1


def parse_vote_count(text: str) -> int:
    """One count typed on its own (any digits), as a whole non-negative number."""
    return _whole_number(text, SubmissionErrorCode.VOTES_FORMAT, count=1)


def parse_vote_counts(text: str) -> tuple[int, int, int]:
    """Three counts typed in one answer, in the order for, against, abstain.

    Any digits, separated by spaces, hyphens, slashes or commas: ``7 2 0``, ``۷-۲-۰``, ``7/2/0``, ``7، 2، 0``.
    """
    parts = [part for part in _VOTE_SEPARATORS.split(to_latin_digits(text.strip())) if part]
    if len(parts) != 3 or not all(_WHOLE_NUMBER.fullmatch(part) for part in parts):
        raise SubmissionError(SubmissionErrorCode.VOTES_FORMAT, count=3)
    for_, against, abstain = (int(part) for part in parts)
    return for_, against, abstain


def validate_votes(for_: int | str, against: int | str, abstain: int | str, council_members: int) -> Votes:
    """The council's vote, checked against its ``council_members`` seats.

    Each count is a whole non-negative number (an int, or text in any digits). Their sum may not exceed
    the seats. The resolution must have passed: «for» must be a majority of those voting, i.e.
    ``for > (for + against + abstain) / 2``. Abstentions count as present and voting, so they weigh like a
    vote against (an absolute majority of those present, as in councils' own rules of procedure).
    """
    if council_members < 1:
        raise ValueError(f"a council has at least one seat, got {council_members}")
    counts = [_vote_count(value) for value in (for_, against, abstain)]
    votes = Votes(*counts)
    if votes.total > council_members:
        raise SubmissionError(
            SubmissionErrorCode.VOTES_EXCEED_SEATS, total=votes.total, seats=council_members
        )
    needed = majority_needed(votes.total)
    if votes.for_ < needed:
        raise SubmissionError(
            SubmissionErrorCode.VOTES_NO_MAJORITY, for_=votes.for_, total=votes.total, needed=needed
        )
    return votes


def _vote_count(value: int | str) -> int:
    if isinstance(value, str):
        return parse_vote_count(value)
    if value < 0:
        raise SubmissionError(SubmissionErrorCode.VOTES_FORMAT, count=1)
    return value


# --- files


class AttachmentKind(StrEnum):
    """The files accepted as attachments (signed minutes): PDF documents and JPEG or PNG images."""

    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"


class TextFileKind(StrEnum):
    """The files accepted in place of a typed resolution text."""

    TXT = "txt"
    PDF = "pdf"


_ATTACHMENT_TYPES: Mapping[str, AttachmentKind] = MappingProxyType(
    {
        "application/pdf": AttachmentKind.PDF,
        "image/jpeg": AttachmentKind.JPEG,
        "image/png": AttachmentKind.PNG,
    }
)
_ATTACHMENT_SUFFIXES: Mapping[str, AttachmentKind] = MappingProxyType(
    {
        ".pdf": AttachmentKind.PDF,
        ".jpg": AttachmentKind.JPEG,
        ".jpeg": AttachmentKind.JPEG,
        ".png": AttachmentKind.PNG,
    }
)
_TEXT_FILE_TYPES: Mapping[str, TextFileKind] = MappingProxyType(
    {"text/plain": TextFileKind.TXT, "application/pdf": TextFileKind.PDF}
)
_TEXT_FILE_SUFFIXES: Mapping[str, TextFileKind] = MappingProxyType(
    {".txt": TextFileKind.TXT, ".pdf": TextFileKind.PDF}
)
_K = TypeVar("_K", AttachmentKind, TextFileKind)

# Types that say nothing about the content: then the file name decides.
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def validate_attachment(
    mime_type: str | None, file_name: str | None, size: int | None, max_size: int = TELEGRAM_DOWNLOAD_LIMIT
) -> AttachmentKind:
    """What kind of attachment a file is: PDF, JPEG or PNG, no larger than ``max_size`` bytes.

    The MIME type decides; when it is missing or generic (Bale may leave it out) the file name's
    extension does. A photo sent as a photo (not as a file) has neither: pass ``image/jpeg``, which is
    what the platforms serve photos as. An unknown ``size`` is accepted (the download will tell).
    """
    kind = _file_kind(mime_type, file_name, _ATTACHMENT_TYPES, _ATTACHMENT_SUFFIXES)
    if kind is None:
        raise SubmissionError(SubmissionErrorCode.ATTACHMENT_TYPE, allowed=tuple(AttachmentKind))
    _check_size(size, max_size)
    return kind


def validate_text_file(
    mime_type: str | None, file_name: str | None, size: int | None, max_size: int = TELEGRAM_DOWNLOAD_LIMIT
) -> TextFileKind:
    """What kind of file a resolution text was sent as: plain text or PDF, no larger than ``max_size``.

    Decided like :func:`validate_attachment`. A ``.txt`` file's bytes then go through
    :func:`decode_text_file` and :func:`validate_text`.
    """
    kind = _file_kind(mime_type, file_name, _TEXT_FILE_TYPES, _TEXT_FILE_SUFFIXES)
    if kind is None:
        raise SubmissionError(SubmissionErrorCode.TEXT_FILE_TYPE, allowed=tuple(TextFileKind))
    _check_size(size, max_size)
    return kind


def decode_text_file(data: bytes) -> str:
    """The text of an uploaded ``.txt`` file.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are read as such;
    anything else is read as Windows-1256, which older Persian Windows editors still save. Bytes that
    are not text (a NUL) are refused.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise SubmissionError(SubmissionErrorCode.TEXT_FILE_ENCODING) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1256", errors="replace")
    if "\x00" in text or "\ufffd" in text:
        raise SubmissionError(SubmissionErrorCode.TEXT_FILE_ENCODING)
    return text


def read_text_file(kind: TextFileKind, data: bytes) -> str:
    """The text of a resolution sent as a file: a ``.txt`` file decoded, a PDF's text layer extracted.

    A PDF without readable text (a scan, or a damaged file) is refused with ``TEXT_FILE_UNREADABLE``:
    the text must be typed or sent as text, and the scan can go with the attachments.
    """
    if kind is TextFileKind.TXT:
        return decode_text_file(data)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        raise SubmissionError(SubmissionErrorCode.TEXT_FILE_UNREADABLE) from None
    text = "\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise SubmissionError(SubmissionErrorCode.TEXT_FILE_UNREADABLE)
    return text


def _file_kind(
    mime_type: str | None, file_name: str | None, types: Mapping[str, _K], suffixes: Mapping[str, _K]
) -> _K | None:
    mime = (mime_type or "").split(";")[0].strip().lower()
    if mime not in _GENERIC_TYPES:
        return types.get(mime)
    if not file_name:
        return None
    return suffixes.get(PurePosixPath(file_name.strip()).suffix.lower())


def _check_size(size: int | None, max_size: int) -> None:
    if size is None:
        return
    if size <= 0:
        raise SubmissionError(SubmissionErrorCode.FILE_EMPTY)
    if size > max_size:
        raise SubmissionError(SubmissionErrorCode.FILE_TOO_LARGE, size=size, max_size=max_size)


# --- tracking codes

#: The Damm algorithm's quasigroup (totally anti-symmetric, order 10).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
TRACKING_CODE_DIGITS = 8
_TRACKING_GROUP = 4


def damm_check_digit(digits: str) -> int:
    """The Damm check digit of a string of ASCII digits; a string followed by it checks to 0."""
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


def generate_tracking_code(rng: random.Random | None = None) -> str:
    """A fresh tracking code: 8 digits in two groups of four, e.g. ``4821-3907``.

    Why digits: a Persian speaker reads and dictates digits easily (in Persian or Latin script), while
    Latin letters are awkward to say and to type on a Persian keyboard. Seven random digits, the first
    never 0 (so a spreadsheet or a reader cannot drop it), then a Damm check digit, which catches every
    single mistyped digit and every swap of two adjacent digits, so a mistyped code is told apart from
    an unknown one. Eight digits in 4-4 have the shape of a Tehran phone number, easily held in mind.
    9,000,000 codes: at the design's million resolutions about one draw in nine collides, so the caller
    retries on the unique constraint. Codes are not secrets; access is checked by scope.

    Uses :mod:`secrets` unless a seeded ``rng`` is given (tests, the sandbox).
    """
    choose = secrets.choice if rng is None else rng.choice
    body = choose("123456789") + "".join(choose("0123456789") for _ in range(TRACKING_CODE_DIGITS - 2))
    return _grouped(body + str(damm_check_digit(body)))


def normalize_tracking_code(text: str) -> str | None:
    """The canonical form ``NNNN-NNNN`` of a tracking code as typed, or ``None`` if it cannot be one.

    Accepts Persian, Arabic-Indic or Latin digits, spaces, hyphens or dashes anywhere, and direction
    marks copied along from right-to-left text. ``None`` when the digits are not eight, the first is 0,
    or the check digit fails (a typo). In right-to-left text the chat layer should isolate the code
    (LRI … PDI) so that its two groups are not shown swapped.
    """
    digits = _tracking_digits(text)
    if digits is None or digits[0] == "0" or damm_check_digit(digits) != 0:
        return None
    return _grouped(digits)


def is_tracking_code_shaped(text: str) -> bool:
    """Whether ``text`` has the shape of a tracking code (eight digits, any separators), typo or not.

    Lets the chat layer answer «check the code» to a mistyped code rather than treat it as a phrase.
    """
    return _tracking_digits(text) is not None


def _tracking_digits(text: str) -> str | None:
    digits = _TRACKING_NOISE.sub("", to_latin_digits(text))
    if len(digits) != TRACKING_CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def _grouped(digits: str) -> str:
    return f"{digits[:_TRACKING_GROUP]}-{digits[_TRACKING_GROUP:]}"


# --- shared checks


def _whole_number(text: str, code: SubmissionErrorCode, **params: object) -> int:
    cleaned = to_latin_digits(text.strip())
    if not _WHOLE_NUMBER.fullmatch(cleaned):
        raise SubmissionError(code, **params)
    return int(cleaned)


def _check_length(
    text: str, minimum: int, maximum: int, too_short: SubmissionErrorCode, too_long: SubmissionErrorCode
) -> None:
    if len(text) < minimum:
        raise SubmissionError(too_short, min=minimum, max=maximum, length=len(text))
    if len(text) > maximum:
        raise SubmissionError(too_long, min=minimum, max=maximum, length=len(text))
