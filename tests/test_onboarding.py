"""Onboarding in the chat, in both platform profiles: invites by code and deep link, refusals, help, menus."""

from __future__ import annotations

import datetime as dt

import pytest

from council.roles import Role
from storage.repository import Repository

from .conftest import World
from .flows import board
from .test_apiserver import png

ROLE_SCOPES = [
    (
        Role.SECRETARY,
        "C-SMN-SEMNAN",
        "منشی شورا — شورای اسلامی شهر سمنان",
        "ارسال مصوبات شورا و پاسخ به اعتراض‌های هیأت تطبیق",
    ),
    (
        Role.MEMBER,
        "B-SMN",
        "عضو هیأت تطبیق — هیأت تطبیق مصوبات شوراهای شهرستان سمنان",
        "رأی به مصوبات در دست بررسی هیأت: عدم مغایرت، یا مغایرت با ذکر مستند",
    ),
    (
        Role.EXPERT,
        "B-SMN",
        "کارشناس مشورتی — هیأت تطبیق مصوبات شوراهای شهرستان سمنان",
        "نوشتن نظر کارشناسی (غیرالزامی) که اعضا پیش از رأی می‌بینند",
    ),
    (
        Role.BOARD_SECRETARY,
        "B-SHR",
        "دبیر هیأت تطبیق — هیأت تطبیق مصوبات شوراهای شهرستان شاهرود",
        "نظارت بر صف بررسی هیأت و دریافت همه هشدارهای مهلت",
    ),
    (Role.OFFICIAL, "SMN", "ناظر — استان سمنان", "پرسش وضعیت و عملکرد در حوزه خود و دریافت گزارش روزانه"),
    (Role.ADMIN, "IR", "مدیر سامانه — سراسر کشور", "بارگذاری ساختار سازمانی و صدور کد دعوت"),
]

UNBOUND = (
    "سلام! این بازوی سامانه ملی پایش مصوبات شوراهاست و به منشیان شوراها، اعضای هیأت‌های تطبیق و ناظران "
    "خدمت می‌کند.\n\nبرای شروع، پیوند دعوتی را که دریافت کرده‌اید باز کنید یا کد دعوت را همین‌جا بفرستید. "
    "اگر کدی ندارید، از مدیر سامانه بخواهید."
)
USED = "این کد دعوت قبلاً استفاده شده است. هر کد فقط یک بار کار می‌کند؛ از مدیر سامانه کد تازه بخواهید."
EXPIRED = "مهلت این کد دعوت به پایان رسیده است. از مدیر سامانه کد تازه بخواهید."
UNKNOWN = "این کد دعوت معتبر نیست. لطفاً آن را دوباره بررسی کنید یا از مدیر سامانه کد تازه بخواهید."
REFUSED_BUTTON = "این دکمه برای شما نیست یا دیگر معتبر نیست."
NOT_UNDERSTOOD = "متوجه نشدم. برای دیدن کارهایی که می‌توانید انجام دهید /help را بفرستید."
# The smallest valid PNG header a photo needs: 1×1.
PNG = png(1, 1)


def welcome(name: str, binding: str, duty: str, commands: list[str]) -> str:
    return (
        f"{name}، خوش آمدید! شما اکنون به عنوان {binding} ثبت شدید.\n\n"
        f"نقش‌های شما:\n• {binding}\n  {duty}\n\nفرمان‌ها:\n" + "\n".join(commands)
    )


def commands_of(role: Role) -> list[str]:
    extra = {
        Role.ADMIN: ["/invite", "/report"],
        Role.SECRETARY: ["/new", "/mine", "/cancel", "/status", "/pending", "/find"],
        Role.MEMBER: ["/status", "/pending", "/find"],
        Role.EXPERT: ["/status", "/pending", "/find"],
    }
    return ["/help", "/language", "/settings", *extra.get(role, ["/status", "/pending", "/find", "/report"])]


@pytest.mark.parametrize(("role", "scope", "binding", "duty"), ROLE_SCOPES)
@pytest.mark.parametrize("how", ["deep link", "typed code"])
async def test_each_role_onboards_by_deep_link_and_by_typed_code(
    world: World, role: Role, scope: str, binding: str, duty: str, how: str
) -> None:
    maryam = world.person(101, "مریم")
    code = await world.invite(role, scope)
    text = f"/start {code}" if how == "deep link" else f"  {code[:5].lower()} {code[5:]} "
    reply = await world.say(maryam, text)
    assert reply.content == welcome("مریم", binding, duty, commands_of(role))

    # Bound now: /help answers with the same roles, and the menu is set where the platform has menus.
    help_reply = await world.say(maryam, "/help")
    assert help_reply.content == welcome("مریم", binding, duty, commands_of(role)).split("\n\n", 1)[1]
    if world.profile == "telegram":
        menu = [c["command"] for c in world.server.commands[f"chat:{maryam.id}"]]
        assert menu == [c.lstrip("/") for c in commands_of(role)]
    else:
        assert world.server.commands == {}


async def test_a_code_cannot_be_used_twice(world: World) -> None:
    ali, reza = world.person(201, "علی"), world.person(202, "رضا")
    code = await world.invite(Role.MEMBER, "B-SMN")
    assert (await world.say(ali, f"/start {code}")).content.startswith("علی، خوش آمدید!")
    assert (await world.say(reza, f"/start {code}")).content == USED
    # The first person's own second try is refused too, and reza stays a stranger.
    assert (await world.say(ali, f"/start {code}")).content == USED
    assert (await world.say(reza, "/help")).content == UNBOUND
    async with world.repo_session() as session:
        assert await Repository(session).get_person_by_platform_user(reza.id) is None


async def test_an_expired_code_is_refused(world: World) -> None:
    sara = world.person(301, "سارا")
    code = await world.invite(Role.SECRETARY, "C-SHR-SHAHRUD", valid_for=dt.timedelta(hours=1))
    world.clock.advance(dt.timedelta(hours=1, seconds=1))
    assert (await world.say(sara, f"/start {code}")).content == EXPIRED
    assert (await world.say(sara, "سلام")).content == UNBOUND


async def test_an_unknown_code_is_refused_politely(world: World) -> None:
    sara = world.person(302, "سارا")
    assert (await world.say(sara, "/start ABCDEFGHJK")).content == UNKNOWN


async def test_an_unbound_user_gets_the_explanation_and_nothing_else(world: World) -> None:
    stranger = world.person(401, "ناشناس")
    for text in ["/start", "/help", "/language", "/invite member B-SMN", "سلام", "وضعیت مصوبه ۱۲"]:
        reply = await world.say(stranger, text)
        assert reply.content == UNBOUND
        assert reply.reply_markup is None
    await world.server.wait_for_idle()
    assert [m.content for m in world.server.messages_to(stranger)] == [UNBOUND] * 6


async def test_a_photo_or_a_file_without_a_caption_outside_a_form_is_answered(world: World) -> None:
    # Such a message has no text: the invite-code filter used to raise on it and nobody answered.
    stranger = world.person(402, "ناشناس")
    await world.server.send_photo(stranger, PNG)
    assert (await world.server.wait_for_bot_message(stranger)).content == UNBOUND
    people = await board(world)
    await world.server.send_photo(people.zahra, PNG)
    assert (await world.server.wait_for_bot_message(people.zahra)).content == NOT_UNDERSTOOD
    await world.server.send_document(people.zahra, "نامه.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    assert (await world.server.wait_for_bot_message(people.zahra)).content == NOT_UNDERSTOOD


async def test_someone_elses_or_a_forged_button_is_refused_and_changes_nothing(world: World) -> None:
    owner, other = world.person(501, "مالک"), world.person(502, "دیگری")
    await world.enrol(owner, Role.MEMBER, "B-SMN")
    await world.enrol(other, Role.MEMBER, "B-GRM")
    prompt = await world.say(owner, "/language")
    assert prompt.content == "زبان را انتخاب کنید:"
    assert prompt.buttons == [["فارسی", "English"]]
    english = prompt.find_button("English")
    assert english is not None

    async def press_raw(user_id: int, data: str) -> str:
        query_id = await world.server.send_callback_data(user_id, data, owner.id, prompt.message_id)
        await world.server.wait_until(lambda: query_id in world.server.callback_answers)
        return str(world.server.callback_answers[query_id]["text"])

    assert await press_raw(other.id, english["callback_data"]) == REFUSED_BUTTON
    assert await press_raw(owner.id, "lang:999999:en") == REFUSED_BUTTON
    assert await press_raw(owner.id, "not-a-button") == REFUSED_BUTTON
    assert await press_raw(other.id, "lang:notanumber:en") == REFUSED_BUTTON
    # Nothing changed: the prompt still has its buttons and both people still speak Persian.
    assert world.server.messages_to(owner)[-1].buttons == [["فارسی", "English"]]
    assert (await world.say(other, "/help")).content.startswith("نقش‌های شما:")
    assert (await world.say(owner, "/help")).content.startswith("نقش‌های شما:")


async def test_the_owner_switches_to_english_and_the_buttons_go(world: World) -> None:
    owner = world.person(601, "Parisa")
    await world.enrol(owner, Role.OFFICIAL, "SMN-SHR")
    prompt = await world.say(owner, "/language")
    await world.press(owner, "English")
    edited = world.server.messages_to(owner)[-1]
    assert edited.message_id == prompt.message_id
    assert edited.content == "The interface language is now English."
    assert edited.buttons == []
    assert (await world.say(owner, "/help")).content == (
        "Your roles:\n• supervising official — شهرستان شاهرود\n"
        "  ask for status and performance within your area and receive digests\n\n"
        "Commands:\n/help\n/language\n/settings\n/status\n/pending\n/find\n/report"
    )


async def test_an_unparseable_update_is_skipped_and_the_next_one_is_answered(world: World) -> None:
    nima = world.person(701, "نیما")
    await world.server.inject_raw_update({"message": {"message_id": 5, "chat": "not-a-chat", "date": "x"}})
    await world.server.inject_raw_update({"callback_query": {"id": "q", "data": 42}})
    assert (await world.say(nima, "/start")).content == UNBOUND


async def test_an_admin_issues_an_invite_in_the_chat_and_it_works(world: World) -> None:
    admin, newcomer = world.person(801, "مدیر"), world.person(802, "تازه‌وارد")
    await world.enrol(admin, Role.ADMIN, "IR")
    reply = await world.say(admin, "/invite secretary c-dmg-damghan")
    lines = reply.content.split("\n")
    assert lines[0] == "کد دعوت یک‌بارمصرف برای منشی شورا — شورای اسلامی شهر دامغان"
    code = lines[1].removeprefix("کد: ")
    domain = "t.me" if world.profile == "telegram" else "ble.ir"
    username = world.app.dispatcher["deployment"].bot_username
    assert lines[2] == f"پیوند: https://{domain}/{username}?start={code}"
    assert lines[3] == "معتبر تا ۱۴۰۵/۰۹/۱۳ ساعت ۱۰:۳۰"
    welcome_text = (await world.say(newcomer, f"/start {code}")).content
    assert welcome_text.startswith(
        "تازه‌وارد، خوش آمدید! شما اکنون به عنوان منشی شورا — شورای اسلامی شهر دامغان"
    )

    assert (await world.say(admin, "/invite member C-DMG-DAMGHAN")).content == (
        "واحدی با کد C-DMG-DAMGHAN که بتوان نقش «عضو هیأت تطبیق» را به آن داد وجود ندارد."
    )
    assert (await world.say(admin, "/invite")).content.startswith("روش استفاده: /invite نقش کد‌واحد")
    # A non-admin cannot issue invites: the command is not theirs.
    assert (await world.say(newcomer, "/invite member B-SMN")).content == (
        "متوجه نشدم. برای دیدن کارهایی که می‌توانید انجام دهید /help را بفرستید."
    )
