"""A secretary who keeps the books of several councils chooses, for each new resolution, which council it is
for: the chooser, filing and the board's notice for the chosen council, an old chooser's button, a binding
removed meanwhile, and /mine over all their councils. (A secretary of one council sees no chooser: the
tests of :mod:`tests.test_submission` run unchanged.)

zahra is bound first to the Bastam city council (5 seats, board B-SHR), then to the Semnan city council
(9 seats, board B-SMN), whose texts :mod:`tests.test_submission` spells out.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.apiserver.state import SimMessage, SimUser
from council.roles import Role
from storage import people_cache
from storage.models import Council, Person, RoleBinding

from .conftest import World
from .test_submission import (
    CANCELLED,
    COUNCIL,
    DIGITS,
    STEP,
    SUMMARY_BUTTONS,
    TEXT,
    TITLE,
    answer,
    press,
    pressed,
    resolutions,
    summary,
    text_in_two_parts,
)

BASTAM = "شورای اسلامی شهر بسطام"
SHAHRUD = "شورای اسلامی شهر شاهرود"
CHOOSE = "شما دبیر چند شورا هستید. این مصوبه برای کدام شوراست؟"
ALREADY_OPEN = (
    "فرم مصوبه‌ای برای {council} باز است، پس این انتخاب دیگر به کار نمی‌آید. "
    "همان فرم را ادامه دهید، یا اول آن را با /cancel لغو کنید."
)
NOT_YOURS = "این دکمه برای شما نیست یا دیگر معتبر نیست."


async def secretary_of(world: World, *codes: str) -> SimUser:
    zahra = world.person(1001, "زهرا")
    for code in codes:
        await world.enrol(zahra, Role.SECRETARY, code)
    return zahra


async def unbind(world: World, code: str) -> None:
    """An admin removes zahra's secretary binding to ``code`` (straight in the database: the bot has no
    command for it yet), marking the people kept in memory as changed, as every write of a binding does."""
    async with world.repo_session() as session:
        zahra = (await session.scalars(sa.select(Person).where(Person.platform_user_id == 1001))).one()
        people_cache.changed(session)
        await session.execute(
            sa.delete(RoleBinding).where(
                RoleBinding.person_id == zahra.id,
                RoleBinding.role == Role.SECRETARY.value,
                RoleBinding.scope_code == code,
            )
        )
        await session.commit()


async def council_id(world: World, code: str) -> int:
    async with world.repo_session() as session:
        return int((await session.scalars(sa.select(Council.id).where(Council.code == code))).one())


async def steps_to_summary(world: World, who: SimUser) -> str:
    """Answer the eight steps (the form just opened) with the usual answers; the summary's text."""
    assert await answer(world, who, "۱۲") == STEP[2]
    assert await answer(world, who, "۴۵") == STEP[3]
    assert await answer(world, who, "۱۴۰۵/۰۹/۰۱") == STEP[4]
    assert await answer(world, who, TITLE) == STEP[5]
    assert await text_in_two_parts(world, who) == STEP[6]
    assert await pressed(world, who, "خدمات شهری") == STEP[7]
    assert await answer(world, who, "۷ ۱ ۱") == STEP[8]
    return await pressed(world, who, "رد شدن")


async def test_a_secretary_of_two_councils_chooses_the_second_and_the_resolution_is_filed_under_it(
    world: World,
) -> None:
    zahra = await secretary_of(world, "C-SHR-BASTAM", "C-SMN-SEMNAN")
    ali, nima = world.person(2001, "علی"), world.person(2002, "نیما")
    await world.enrol(ali, Role.MEMBER, "B-SMN")
    await world.enrol(nima, Role.MEMBER, "B-SHR")

    await world.server.press_reply_button(zahra, "ثبت مصوبه جدید")
    chooser = await world.server.wait_for_bot_message(zahra)
    assert chooser.content == CHOOSE
    assert chooser.buttons == [[BASTAM], [COUNCIL]]  # one per council, by name

    first = await press(world, zahra, COUNCIL)
    assert first.content == f"مصوبه جدید {COUNCIL}.\n\n{STEP[1]}"
    assert first.buttons == [["لغو"]]
    assert world.server.messages_to(zahra)[-2].buttons == []  # the chooser lost its buttons

    # Step 7 counts the seats of the chosen council (Semnan's 9, not Bastam's 5).
    card = await steps_to_summary(world, zahra)
    assert card == summary()  # «شورا: شورای اسلامی شهر سمنان»
    done = await press(world, zahra, "ارسال")
    [resolution] = await resolutions(world)
    code = resolution.tracking_code.translate(DIGITS)
    assert done.content == (
        "مصوبه ثبت و برای هیأت تطبیق ارسال شد.\n"
        f"کد رهگیری: \u2066{code}\u2069\n"
        "مهلت بررسی هیأت: ۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹"
    )
    assert resolution.council_id == await council_id(world, "C-SMN-SEMNAN")
    assert (resolution.council_number, resolution.session_number, resolution.status) == (
        "12",
        "45",
        "under_review",
    )

    # The board of the chosen council is told; the board of zahra's other council is not.
    await world.server.wait_until(
        lambda: any(m.content.startswith("مصوبه تازه") for m in world.server.messages_to(ali)),
        what="the notice to the Semnan board",
    )
    await world.server.wait_for_idle()
    notice = [m.content for m in world.server.messages_to(ali) if m.content.startswith("مصوبه تازه")]
    assert notice == [
        "مصوبه تازه‌ای برای بررسی هیأت شما رسیده است.\n\n"
        f"کد رهگیری: \u2066{code}\u2069\n"
        f"شورا: {COUNCIL}\n"
        "مصوبه شماره ۱۲، جلسه ۴۵، تصویب‌شده در ۱۴۰۵/۰۹/۰۱\n"
        f"عنوان: {TITLE}\n"
        "دسته: خدمات شهری\n"
        "رأی شورا: موافق ۷، مخالف ۱، ممتنع ۱\n"
        "وضعیت: در حال بررسی\n"
        "ارسال: ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰\n"
        "مهلت بررسی: ۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹\n\n"
        f"متن:\n{TEXT}"
    ]
    assert all("مصوبه تازه" not in m.content for m in world.server.messages_to(nima))

    # The next /new asks again: each resolution's council is chosen afresh.
    again = await world.say(zahra, "/new")
    assert (again.content, again.buttons) == (CHOOSE, [[BASTAM], [COUNCIL]])
    bastam = await press(world, zahra, BASTAM)
    assert bastam.content == f"مصوبه جدید {BASTAM}.\n\n{STEP[1]}"


async def test_an_old_chooser_or_someone_elses_press_changes_nothing_in_the_open_form(world: World) -> None:
    zahra = await secretary_of(world, "C-SHR-BASTAM", "C-SMN-SEMNAN")
    sara = world.person(2002, "سارا")
    await world.enrol(sara, Role.SECRETARY, "C-SHR-MOJEN")
    chooser = await world.say(zahra, "/new")
    bastam_button = chooser.find_button(BASTAM)
    assert bastam_button is not None
    assert (await press(world, zahra, COUNCIL)).content == f"مصوبه جدید {COUNCIL}.\n\n{STEP[1]}"
    assert await answer(world, zahra, "۱۲") == STEP[2]

    # The chooser's other button, pressed after the form started (the client still showed it).
    stale = await world.server.send_callback_data(
        zahra.id, bastam_button["callback_data"], zahra.id, chooser.message_id
    )
    # sara (a secretary of another council) sends zahra's button.
    foreign = await world.server.send_callback_data(
        sara.id, bastam_button["callback_data"], zahra.id, chooser.message_id
    )
    await world.server.wait_until(
        lambda: stale in world.server.callback_answers and foreign in world.server.callback_answers
    )
    await world.server.wait_for_idle()
    assert world.server.callback_answers[stale]["text"] == ALREADY_OPEN.format(council=COUNCIL)
    assert world.server.callback_answers[foreign]["text"] == NOT_YOURS

    # Nothing was lost: the form goes on from step 2, still for Semnan.
    assert await answer(world, zahra, "۴۵") == STEP[3]
    assert await answer(world, zahra, "۱۴۰۵/۰۹/۰۱") == STEP[4]
    assert await answer(world, zahra, TITLE) == STEP[5]
    assert await text_in_two_parts(world, zahra) == STEP[6]
    assert await pressed(world, zahra, "خدمات شهری") == STEP[7]
    assert await answer(world, zahra, "۷ ۱ ۱") == STEP[8]
    assert await pressed(world, zahra, "رد شدن") == summary()
    assert await answer(world, zahra, "/cancel") == CANCELLED
    assert await resolutions(world) == []


async def test_a_council_whose_binding_was_removed_is_refused_and_nothing_is_filed_for_it(
    world: World,
) -> None:
    zahra = await secretary_of(world, "C-SHR-BASTAM", "C-SMN-SEMNAN", "C-SHR-SHAHRUD")
    chooser = await world.say(zahra, "/new")
    assert chooser.buttons == [[BASTAM], [COUNCIL], [SHAHRUD]]

    # The admin removes her Bastam binding while the chooser is on her screen: she is asked again.
    await unbind(world, "C-SHR-BASTAM")
    query = await world.server.press_button(zahra, BASTAM)
    asked = await world.server.wait_for_bot_message(zahra)
    assert world.server.callback_answers[query]["text"] == f"شما دیگر دبیر {BASTAM} نیستید."
    assert asked.content == f"شما دیگر دبیر {BASTAM} نیستید.\n\n{CHOOSE}"
    assert asked.buttons == [[COUNCIL], [SHAHRUD]]
    assert world.server.messages_to(zahra)[-2].buttons == []

    assert (await press(world, zahra, COUNCIL)).content == f"مصوبه جدید {COUNCIL}.\n\n{STEP[1]}"
    assert await steps_to_summary(world, zahra) == summary()

    # Her Semnan binding goes too, while the summary waits: sending is refused and the draft kept.
    await unbind(world, "C-SMN-SEMNAN")
    send = await world.press(zahra, "ارسال")
    await world.server.wait_for_idle()
    assert world.server.callback_answers[send]["text"] == (
        f"شما دیگر دبیر {COUNCIL} نیستید، پس این مصوبه را نمی‌توان برای آن فرستاد. "
        "پیش‌نویس نگه داشته شده است؛ /cancel آن را حذف می‌کند."
    )
    assert world.server.messages_to(zahra)[-1].buttons == SUMMARY_BUTTONS
    assert await resolutions(world) == []
    assert await answer(world, zahra, "/cancel") == CANCELLED

    # With one council left (Shahrud), /new opens its form at once, as for any one-council secretary.
    opened = await world.say(zahra, "/new")
    assert opened.content == f"مصوبه جدید {SHAHRUD}.\n\n{STEP[1]}"


async def test_a_removed_council_with_one_left_opens_that_councils_form_saying_why(world: World) -> None:
    zahra = await secretary_of(world, "C-SHR-BASTAM", "C-SMN-SEMNAN")
    await world.say(zahra, "/new")
    await unbind(world, "C-SHR-BASTAM")
    opened = await press(world, zahra, BASTAM)
    assert opened.content == f"شما دیگر دبیر {BASTAM} نیستید.\n\nمصوبه جدید {COUNCIL}.\n\n{STEP[1]}"


async def submit_for(world: World, who: SimUser, council: str, number: str, seats: str) -> SimMessage:
    chooser = await world.say(who, "/new")
    assert chooser.content == CHOOSE
    assert (await press(world, who, council)).content == f"مصوبه جدید {council}.\n\n{STEP[1]}"
    await answer(world, who, number)
    await answer(world, who, "۴۵")
    await answer(world, who, "۱۴۰۵/۰۹/۰۱")
    await answer(world, who, TITLE)
    await text_in_two_parts(world, who)
    assert await pressed(world, who, "خدمات شهری") == STEP[7].replace("۹ عضو", f"{seats} عضو")
    await answer(world, who, "۷ ۱ ۱" if seats == "۹" else "۳ ۱ ۱")
    card = await press(world, who, "رد شدن")
    assert card.content.splitlines()[1] == f"شورا: {council}"
    return await press(world, who, "ارسال")


async def test_mine_lists_the_resolutions_of_all_her_councils_each_naming_its_council(world: World) -> None:
    zahra = await secretary_of(world, "C-SHR-BASTAM", "C-SMN-SEMNAN")
    assert await answer(world, zahra, "/mine") == "شوراهای شما هنوز مصوبه‌ای ارسال نکرده‌اند."
    await submit_for(world, zahra, COUNCIL, "۷", "۹")
    await submit_for(world, zahra, BASTAM, "۷", "۵")  # the same number in another council is no duplicate
    semnan, bastam = await resolutions(world)
    assert (semnan.council_id, bastam.council_id) == (
        await council_id(world, "C-SMN-SEMNAN"),
        await council_id(world, "C-SHR-BASTAM"),
    )
    codes = [r.tracking_code.translate(DIGITS) for r in (semnan, bastam)]
    assert await answer(world, zahra, "/mine") == (
        "مصوبات ۲ شورای شما (۱ تا ۲ از ۲)، از تازه‌ترین:\n"
        f"۱. \u2066{codes[1]}\u2069 — {BASTAM} — شماره ۷ — {TITLE} — در حال بررسی\n"
        f"۲. \u2066{codes[0]}\u2069 — {COUNCIL} — شماره ۷ — {TITLE} — در حال بررسی"
    )
