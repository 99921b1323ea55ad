"""The submission form: each answer is accepted in its clean form or refused with a code and its numbers."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest

from council.jalali import TEHRAN
from council.rules import LateSubmissionPolicy, StatutoryRules
from council.submission import (
    TELEGRAM_DOWNLOAD_LIMIT,
    ApprovalDate,
    AttachmentKind,
    Category,
    SubmissionError,
    SubmissionErrorCode,
    TextFileKind,
    Votes,
    damm_check_digit,
    decode_text_file,
    generate_tracking_code,
    is_tracking_code_shaped,
    majority_needed,
    normalize_tracking_code,
    parse_vote_counts,
    validate_approval_date,
    validate_attachment,
    validate_category,
    validate_council_number,
    validate_session_number,
    validate_text,
    validate_text_file,
    validate_title,
    validate_votes,
)

E = SubmissionErrorCode
FLAG = StatutoryRules()
REFUSE = StatutoryRules(late_submission=LateSubmissionPolicy.REFUSE)
# Friday 1405/09/06 13:30 in Tehran.
NOW = dt.datetime(2026, 11, 27, 13, 30, tzinfo=TEHRAN)
MB = 1024 * 1024


def refused(call: Any, *args: Any) -> tuple[SubmissionErrorCode, dict[str, object]]:
    with pytest.raises(SubmissionError) as info:
        call(*args)
    return info.value.code, dict(info.value.params)


# --- council number

COUNCIL_NUMBER_FORMAT = (E.COUNCIL_NUMBER_FORMAT, {"max_digits": 10, "max_suffix": 4})


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("12", "12"),
        (" ۱۲ ", "12"),
        ("١٢", "12"),
        ("012", "12"),  # the same resolution as 12
        ("1234567890", "1234567890"),
        ("12/3", "12/3"),
        ("۱۲ / ۳", "12/3"),
        ("12∕3", "12/3"),  # division slash
        ("45-الف", "45-الف"),
        ("45 – الف", "45-الف"),  # en dash
        ("۴۵/ي", "45/ی"),  # Arabic yeh
        ("7-ب۲", "7-ب2"),
        ("3/ab", "3/ab"),
        ("9/1234", "9/1234"),
    ],
)
def test_council_number_accepted(typed: str, clean: str) -> None:
    assert validate_council_number(typed) == clean


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "0",
        "000",
        "12345678901",
        "12/",
        "/3",
        "12/12345",
        "12/3/4",
        "12 3",
        "الف",
        "12.3",
        "12_3",
        "-12",
    ],
)
def test_council_number_refused(typed: str) -> None:
    assert refused(validate_council_number, typed) == COUNCIL_NUMBER_FORMAT


# --- session number


@pytest.mark.parametrize(("typed", "number"), [("1", 1), ("۹۹۹۹", 9999), (" ٤٢ ", 42), ("007", 7)])
def test_session_number_accepted(typed: str, number: int) -> None:
    assert validate_session_number(typed) == number


@pytest.mark.parametrize(
    ("typed", "code", "params"),
    [
        ("0", E.SESSION_NUMBER_RANGE, {"min": 1, "max": 9999, "value": 0}),
        ("10000", E.SESSION_NUMBER_RANGE, {"min": 1, "max": 9999, "value": 10000}),
        ("", E.SESSION_NUMBER_FORMAT, {"min": 1, "max": 9999}),
        ("-3", E.SESSION_NUMBER_FORMAT, {"min": 1, "max": 9999}),
        ("12a", E.SESSION_NUMBER_FORMAT, {"min": 1, "max": 9999}),
        ("1.5", E.SESSION_NUMBER_FORMAT, {"min": 1, "max": 9999}),
        ("دوازده", E.SESSION_NUMBER_FORMAT, {"min": 1, "max": 9999}),
    ],
)
def test_session_number_refused(typed: str, code: SubmissionErrorCode, params: dict[str, object]) -> None:
    assert refused(validate_session_number, typed) == (code, params)


# --- approval date


@pytest.mark.parametrize(
    ("value", "rules", "now", "expected"),
    [
        # Today.
        ("1405/09/06", FLAG, NOW, ApprovalDate(dt.date(2026, 11, 27), False, dt.date(2026, 12, 4))),
        # Picked from the calendar keyboard: a date, not text.
        (dt.date(2026, 11, 27), FLAG, NOW, ApprovalDate(dt.date(2026, 11, 27), False, dt.date(2026, 12, 4))),
        # Seven days ago: the last day of the window is today.
        ("۱۴۰۵-۸-۲۹", FLAG, NOW, ApprovalDate(dt.date(2026, 11, 20), False, dt.date(2026, 11, 27))),
        ("۱۴۰۵-۸-۲۹", REFUSE, NOW, ApprovalDate(dt.date(2026, 11, 20), False, dt.date(2026, 11, 27))),
        # Eight days ago: late, flagged.
        ("١٤٠٥.٠٨.٢٨", FLAG, NOW, ApprovalDate(dt.date(2026, 11, 19), True, dt.date(2026, 11, 26))),
        # 00:30 in Tehran on 1405/09/07 is still 2026-11-27 in UTC: «today» is Tehran's.
        (
            "1405/09/07",
            FLAG,
            dt.datetime(2026, 11, 27, 21, 0, tzinfo=dt.UTC),
            ApprovalDate(dt.date(2026, 11, 28), False, dt.date(2026, 12, 5)),
        ),
    ],
)
def test_approval_date_accepted(
    value: str | dt.date, rules: StatutoryRules, now: dt.datetime, expected: ApprovalDate
) -> None:
    assert validate_approval_date(value, now, rules) == expected


@pytest.mark.parametrize(
    ("value", "rules", "code", "params"),
    [
        ("1405/09/07", FLAG, E.APPROVAL_DATE_FUTURE, {"today": dt.date(2026, 11, 27)}),
        (dt.date(2026, 11, 28), FLAG, E.APPROVAL_DATE_FUTURE, {"today": dt.date(2026, 11, 27)}),
        (
            "1405/08/28",
            REFUSE,
            E.APPROVAL_DATE_LATE,
            {"window_days": 7, "deadline": dt.date(2026, 11, 26)},
        ),
        ("1405/13/01", FLAG, E.APPROVAL_DATE_MONTH, {}),
        ("1405/12/30", FLAG, E.APPROVAL_DATE_DAY, {}),  # 1405 is not a leap year
        ("1405/07/31", FLAG, E.APPROVAL_DATE_DAY, {}),
        ("دیروز", FLAG, E.APPROVAL_DATE_FORMAT, {}),
        ("05/09/06", FLAG, E.APPROVAL_DATE_FORMAT, {}),
        ("1405/09/06 14:30", FLAG, E.APPROVAL_DATE_FORMAT, {}),
    ],
)
def test_approval_date_refused(
    value: str | dt.date, rules: StatutoryRules, code: SubmissionErrorCode, params: dict[str, object]
) -> None:
    assert refused(validate_approval_date, value, NOW, rules) == (code, params)


def test_an_instant_is_not_an_approval_date() -> None:
    with pytest.raises(TypeError):
        validate_approval_date(NOW, NOW, FLAG)


# --- title and text


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("بودجه", "بودجه"),
        ("  تعرفه   عوارض\nسال ۱۴۰۵ ", "تعرفه عوارض سال ۱۴۰۵"),
        ("نرخ كرايه تاكسي", "نرخ کرایه تاکسی"),
        ("ا" * 200, "ا" * 200),
    ],
)
def test_title_accepted(typed: str, clean: str) -> None:
    assert validate_title(typed) == clean


@pytest.mark.parametrize(
    ("typed", "code", "length"),
    [
        ("", E.TITLE_TOO_SHORT, 0),
        ("بودـــج", E.TITLE_TOO_SHORT, 4),  # tatweel does not count
        ("   ab  ", E.TITLE_TOO_SHORT, 2),
        ("ا" * 201, E.TITLE_TOO_LONG, 201),
    ],
)
def test_title_refused(typed: str, code: SubmissionErrorCode, length: int) -> None:
    assert refused(validate_title, typed) == (code, {"min": 5, "max": 200, "length": length})


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("ماده ۱ -  متن", "ماده ۱ - متن"),
        ("  بند الف\r\n  بند ب  ", "بند الف\nبند ب"),
        ("ب" * 20_000, "ب" * 20_000),
    ],
)
def test_text_accepted(typed: str, clean: str) -> None:
    assert validate_text(typed) == clean


@pytest.mark.parametrize(
    ("typed", "code", "length"),
    [
        ("کوتاه", E.TEXT_TOO_SHORT, 5),
        ("    ", E.TEXT_TOO_SHORT, 0),
        ("ب" * 20_001, E.TEXT_TOO_LONG, 20_001),
    ],
)
def test_text_refused(typed: str, code: SubmissionErrorCode, length: int) -> None:
    assert refused(validate_text, typed) == (code, {"min": 10, "max": 20_000, "length": length})


# --- category


def test_category_codes() -> None:
    assert [c.value for c in Category] == [
        "civil_works",
        "culture_social",
        "economy_investment",
        "finance_budget",
        "urban_services",
        "admin_employment",
        "other",
    ]


def test_category_by_code() -> None:
    assert validate_category("finance_budget") is Category.FINANCE_BUDGET
    assert refused(validate_category, "sports") == (E.CATEGORY_UNKNOWN, {})


# --- the council's vote


@pytest.mark.parametrize(
    ("votes", "seats", "expected"),
    [
        ((7, 2, 0), 9, Votes(7, 2, 0)),
        (("۷", "۲", "۰"), 9, Votes(7, 2, 0)),
        (("٥", "٢", "١"), 9, Votes(5, 2, 1)),
        ((3, 2, 0), 5, Votes(3, 2, 0)),  # 3 of 5 voting
        ((2, 1, 0), 3, Votes(2, 1, 0)),  # a village council of three
        ((4, 1, 2), 7, Votes(4, 1, 2)),  # 4 of 7 voting, abstentions included
        ((21, 0, 0), 21, Votes(21, 0, 0)),
        ((3, 0, 0), 9, Votes(3, 0, 0)),  # quorum is not checked here
    ],
)
def test_votes_accepted(votes: tuple[int | str, int | str, int | str], seats: int, expected: Votes) -> None:
    assert validate_votes(*votes, seats) == expected


@pytest.mark.parametrize(
    ("votes", "seats", "code", "params"),
    [
        ((7, 2, 1), 9, E.VOTES_EXCEED_SEATS, {"total": 10, "seats": 9}),
        ((4, 4, 0), 9, E.VOTES_NO_MAJORITY, {"for_": 4, "total": 8, "needed": 5}),
        ((3, 1, 2), 7, E.VOTES_NO_MAJORITY, {"for_": 3, "total": 6, "needed": 4}),  # abstaining counts
        ((0, 0, 0), 5, E.VOTES_NO_MAJORITY, {"for_": 0, "total": 0, "needed": 1}),
        (("هفت", 2, 0), 9, E.VOTES_FORMAT, {"count": 1}),
        (("7.5", 2, 0), 9, E.VOTES_FORMAT, {"count": 1}),
        ((7, "-2", 0), 9, E.VOTES_FORMAT, {"count": 1}),
        ((7, -2, 0), 9, E.VOTES_FORMAT, {"count": 1}),
    ],
)
def test_votes_refused(
    votes: tuple[int | str, int | str, int | str],
    seats: int,
    code: SubmissionErrorCode,
    params: dict[str, object],
) -> None:
    assert refused(validate_votes, *votes, seats) == (code, params)


@pytest.mark.parametrize(
    ("typed", "counts"),
    [
        ("7 2 0", (7, 2, 0)),
        ("۷-۲-۰", (7, 2, 0)),
        ("٧/٢/٠", (7, 2, 0)),
        ("7، 2، 0", (7, 2, 0)),
        (" 11  - 4 -  6 ", (11, 4, 6)),
    ],
)
def test_three_counts_in_one_answer(typed: str, counts: tuple[int, int, int]) -> None:
    assert parse_vote_counts(typed) == counts


@pytest.mark.parametrize("typed", ["7 2", "7 2 0 1", "7 a 0", "", "720"])
def test_three_counts_refused(typed: str) -> None:
    assert refused(parse_vote_counts, typed) == (E.VOTES_FORMAT, {"count": 3})


@pytest.mark.parametrize(("voting", "needed"), [(0, 1), (1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (9, 5)])
def test_majority_needed(voting: int, needed: int) -> None:
    assert majority_needed(voting) == needed


# --- files


@pytest.mark.parametrize(
    ("mime", "name", "size", "kind"),
    [
        ("application/pdf", "minutes.pdf", 1000, AttachmentKind.PDF),
        ("image/jpeg", None, 300_000, AttachmentKind.JPEG),  # a photo sent as a photo
        ("image/png", "scan.PNG", TELEGRAM_DOWNLOAD_LIMIT, AttachmentKind.PNG),
        ("Application/PDF; charset=binary", None, 1, AttachmentKind.PDF),
        (None, "صورتجلسه.pdf", 1000, AttachmentKind.PDF),  # Bale left the type out
        ("application/octet-stream", "IMG_01.JPEG", 1000, AttachmentKind.JPEG),
        ("application/pdf", "minutes.pdf", None, AttachmentKind.PDF),  # size unknown
    ],
)
def test_attachment_accepted(
    mime: str | None, name: str | None, size: int | None, kind: AttachmentKind
) -> None:
    assert validate_attachment(mime, name, size) is kind


ATTACHMENT_TYPE = (
    E.ATTACHMENT_TYPE,
    {"allowed": (AttachmentKind.PDF, AttachmentKind.JPEG, AttachmentKind.PNG)},
)


@pytest.mark.parametrize(
    ("mime", "name", "size", "max_size", "expected"),
    [
        ("image/gif", "a.gif", 10, TELEGRAM_DOWNLOAD_LIMIT, ATTACHMENT_TYPE),
        ("application/msword", "a.pdf", 10, TELEGRAM_DOWNLOAD_LIMIT, ATTACHMENT_TYPE),  # the type decides
        (None, "minutes.docx", 10, TELEGRAM_DOWNLOAD_LIMIT, ATTACHMENT_TYPE),
        (None, None, 10, TELEGRAM_DOWNLOAD_LIMIT, ATTACHMENT_TYPE),
        (
            "application/pdf",
            "big.pdf",
            TELEGRAM_DOWNLOAD_LIMIT + 1,
            TELEGRAM_DOWNLOAD_LIMIT,
            (E.FILE_TOO_LARGE, {"size": 20 * MB + 1, "max_size": 20 * MB}),
        ),
        ("image/png", "a.png", 6 * MB, 5 * MB, (E.FILE_TOO_LARGE, {"size": 6 * MB, "max_size": 5 * MB})),
        ("image/png", "a.png", 0, TELEGRAM_DOWNLOAD_LIMIT, (E.FILE_EMPTY, {})),
    ],
)
def test_attachment_refused(
    mime: str | None, name: str | None, size: int, max_size: int, expected: tuple[E, dict[str, object]]
) -> None:
    assert refused(validate_attachment, mime, name, size, max_size) == expected


@pytest.mark.parametrize(
    ("mime", "name", "kind"),
    [
        ("text/plain", "resolution.txt", TextFileKind.TXT),
        ("text/plain; charset=utf-8", None, TextFileKind.TXT),
        ("application/pdf", "resolution.pdf", TextFileKind.PDF),
        (None, "متن.TXT", TextFileKind.TXT),
    ],
)
def test_text_file_accepted(mime: str | None, name: str | None, kind: TextFileKind) -> None:
    assert validate_text_file(mime, name, 5000) is kind


@pytest.mark.parametrize(
    ("mime", "name", "size", "expected"),
    [
        ("image/jpeg", "text.jpg", 10, (E.TEXT_FILE_TYPE, {"allowed": (TextFileKind.TXT, TextFileKind.PDF)})),
        (None, "text.docx", 10, (E.TEXT_FILE_TYPE, {"allowed": (TextFileKind.TXT, TextFileKind.PDF)})),
        ("text/plain", "a.txt", 0, (E.FILE_EMPTY, {})),
        ("text/plain", "a.txt", 21 * MB, (E.FILE_TOO_LARGE, {"size": 21 * MB, "max_size": 20 * MB})),
    ],
)
def test_text_file_refused(
    mime: str | None, name: str | None, size: int, expected: tuple[E, dict[str, object]]
) -> None:
    assert refused(validate_text_file, mime, name, size) == expected


@pytest.mark.parametrize(
    "data",
    [
        "متن مصوبه".encode(),
        "\ufeffمتن مصوبه".encode(),
        "متن مصوبه".encode("utf-16"),  # with a byte-order mark
        "متن مصوبه".encode("cp1256"),
    ],
)
def test_text_file_encodings(data: bytes) -> None:
    assert decode_text_file(data) == "متن مصوبه"


def test_binary_text_file_refused() -> None:
    assert refused(decode_text_file, b"%PDF\x00\x01\x02") == (E.TEXT_FILE_ENCODING, {})


# --- tracking codes


def test_damm_check_digit() -> None:
    assert damm_check_digit("572") == 4  # the algorithm's textbook example
    assert damm_check_digit("5724") == 0


def test_a_seeded_generator_gives_the_same_code() -> None:
    assert generate_tracking_code(random.Random(42)) == "2043-3211"
    assert generate_tracking_code(random.Random(7)) == "6260-1811"


def test_generated_codes_are_eight_digits_in_two_groups_and_check() -> None:
    rng = random.Random(1)
    codes = [generate_tracking_code(rng) for _ in range(2000)]
    for code in codes:
        head, tail = code.split("-")
        assert len(head) == len(tail) == 4 and (head + tail).isdigit() and head[0] != "0"
        assert normalize_tracking_code(code) == code
    assert len(set(codes)) == 2000
    assert {len(generate_tracking_code()) for _ in range(50)} == {9}  # from secrets


@pytest.mark.parametrize(
    "typed",
    [
        "2043-3211",
        "20433211",
        " 2043 3211 ",
        "۲۰۴۳-۳۲۱۱",
        "٢٠٤٣ ٣٢١١",
        "2043–3211",  # en dash
        "\u200f۲۰۴۳-۳۲۱۱\u200f",  # copied out of a right-to-left message
        "20-43-32-11",
    ],
)
def test_tracking_code_as_typed(typed: str) -> None:
    assert normalize_tracking_code(typed) == "2043-3211"
    assert is_tracking_code_shaped(typed)


@pytest.mark.parametrize(
    ("typed", "shaped"),
    [
        ("2043-3212", True),  # last digit wrong
        ("2048-3211", True),  # one digit wrong
        ("2034-3211", True),  # two adjacent digits swapped
        ("6261-0811", True),  # 6260-1811 with the digits either side of the hyphen swapped
        ("0433-2118", True),  # passes the check, but codes never start with 0
        ("2043-321", False),
        ("2043-32110", False),
        ("2043/3211", False),
        ("ABCD-EFGH", False),
        ("کد 2043-3211", False),
        ("", False),
    ],
)
def test_tracking_code_refused(typed: str, shaped: bool) -> None:
    assert normalize_tracking_code(typed) is None
    assert is_tracking_code_shaped(typed) is shaped


def test_every_single_digit_typo_and_adjacent_swap_is_caught() -> None:
    rng = random.Random(3)
    for code in (generate_tracking_code(rng) for _ in range(200)):
        digits = code.replace("-", "")
        for position, digit in itertools.product(range(8), "0123456789"):
            if digit != digits[position]:
                typo = digits[:position] + digit + digits[position + 1 :]
                assert normalize_tracking_code(typo) is None, (code, typo)
        for position in range(7):
            if digits[position] != digits[position + 1]:
                swapped = digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
                assert normalize_tracking_code(swapped) is None, (code, swapped)


def test_errors_are_value_errors_with_read_only_params() -> None:
    with pytest.raises(ValueError, match="session_number_range") as info:
        validate_session_number("0")
    assert isinstance(info.value, SubmissionError)
    with pytest.raises(TypeError):
        info.value.params["value"] = 1  # type: ignore[index]


def test_a_txt_text_file_is_decoded_and_a_pdf_without_a_text_layer_is_refused() -> None:
    import io

    from pypdf import PdfWriter

    from council.submission import TextFileKind, read_text_file

    assert read_text_file(TextFileKind.TXT, "متن مصوبه".encode()) == "متن مصوبه"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # what a scan without OCR gives: no text at all
    blank = io.BytesIO()
    writer.write(blank)
    assert refused(read_text_file, TextFileKind.PDF, blank.getvalue()) == (E.TEXT_FILE_UNREADABLE, {})
    assert refused(read_text_file, TextFileKind.PDF, b"%PDF-1.4 broken") == (E.TEXT_FILE_UNREADABLE, {})
