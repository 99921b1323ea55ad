"""Steps that several conversation tests share: the people of the Semnan board, a submitted resolution, a
vote, an objection.

The board B-SMN has 3 voting seats: ali, sara and mina are its members (ali is also its secretary), reza its
expert. zahra is the secretary of the Semnan city council; omid an official of the province (SMN), nima an
official of another county (SMN-SHR), who does not cover Semnan.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from bot.apiserver.state import SimMessage, SimUser
from council.roles import Role
from storage.models import Resolution

from .conftest import World
from .test_submission import DIGITS, fill

#: 1405/09/21 23:59 Tehran: the review deadline of a resolution submitted on Friday 1405/09/06 (the 14th day,
#: 1405/09/20, is a Friday, so the window ends on Saturday).
REVIEW_DEADLINE = "۱۴۰۵/۰۹/۲۱ ساعت ۲۳:۵۹"
REASONING = "وضع عوارض بر کالای وارداتی در صلاحیت شورای شهر نیست و با قانون مغایر است."


@dataclass
class Board:
    zahra: SimUser
    ali: SimUser
    sara: SimUser
    mina: SimUser
    reza: SimUser
    omid: SimUser
    nima: SimUser

    @property
    def members(self) -> list[SimUser]:
        return [self.ali, self.sara, self.mina]


async def board(world: World) -> Board:
    people = Board(
        zahra=world.person(1001, "زهرا"),
        ali=world.person(2001, "علی"),
        sara=world.person(2002, "سارا"),
        mina=world.person(2003, "مینا"),
        reza=world.person(2004, "رضا"),
        omid=world.person(3001, "امید"),
        nima=world.person(3002, "نیما"),
    )
    await world.enrol(people.zahra, Role.SECRETARY, "C-SMN-SEMNAN")
    for member in people.members:
        await world.enrol(member, Role.MEMBER, "B-SMN")
    await world.enrol(people.ali, Role.BOARD_SECRETARY, "B-SMN")
    await world.enrol(people.reza, Role.EXPERT, "B-SMN")
    await world.enrol(people.omid, Role.OFFICIAL, "SMN")
    await world.enrol(people.nima, Role.OFFICIAL, "SMN-SHR")
    return people


@dataclass
class Submitted:
    id: int
    code: str  # the tracking code as shown: Persian digits, isolated left-to-right

    @property
    def shown(self) -> str:
        return f"\u2066{self.code}\u2069"


async def submit_resolution(world: World, secretary: SimUser, board: Board | None = None) -> Submitted:
    """The secretary fills the form with the usual answers and sends it; the board (when given) has been
    told: each of its people holds the new resolution's notice."""
    await fill(world, secretary)
    await world.press(secretary, "ارسال")
    await world.server.wait_for_bot_message(secretary, lambda m: m.content.startswith("مصوبه ثبت"))
    async with world.repo_session() as session:
        resolution = (await session.scalars(sa.select(Resolution).order_by(Resolution.id.desc()))).first()
    assert resolution is not None
    submitted = Submitted(resolution.id, resolution.tracking_code.translate(DIGITS))
    if board is not None:
        # The confirmation goes first and the notices after it: wait for each notice, not for a pause.
        for person in [*board.members, board.reza]:
            await world.server.wait_until(
                lambda p=person: any(submitted.shown in m.content for m in world.server.messages_to(p)),
                what=f"the notice to {person.first_name}",
            )
    await world.server.wait_for_idle()
    return submitted


async def press(world: World, who: SimUser, label: str, message_id: int | None = None) -> SimMessage:
    """Press ``label`` (on the newest message showing it, or on ``message_id``); the bot's next message.

    As a person would, it waits for the button to be shown: the message before it may have been another
    one (a notice of another resolution) and the button come with an edit just after."""
    if message_id is None:
        await world.server.wait_until(
            lambda: any(m.find_button(label) is not None for m in world.server.state.bot_messages(who.id)),
            what=f"a button {label!r}",
        )
    query = await world.server.press_button(who, label, message_id)
    await world.server.wait_until(lambda: query in world.server.callback_answers, what="callback answer")
    return await world.server.wait_for_bot_message(who)


async def vote_no_conflict(world: World, member: SimUser) -> SimMessage:
    """Two taps: «عدم مغایرت», «تأیید»; the bot's answer."""
    await press(world, member, "عدم مغایرت")
    return await press(world, member, "تأیید")


async def vote_conflict(
    world: World, member: SimUser, law: str | None = "قانون شهرداری", article: str | None = "ماده ۵۵"
) -> SimMessage:
    """«مغایرت», the grounds (a law and article, or outside the council's powers), the reasoning,
    «ثبت رأی»; the bot's answer."""
    await press(world, member, "مغایرت")
    if law is None:
        await press(world, member, "خارج از حدود وظایف و اختیارات شورا")
    else:
        await press(world, member, "مغایرت با قانون یا مقررات")
        await world.say(member, law)
        if article is None:
            await press(world, member, "بدون ماده")
        else:
            await world.say(member, article)
    await world.say(member, REASONING)
    return await press(world, member, "ثبت رأی")


async def object_to(world: World, people: Board, resolution: Submitted) -> None:
    """Two members vote conflict: the board objects, and the council's secretary holds the letter."""
    await vote_conflict(world, people.ali)
    await vote_conflict(world, people.sara, law=None)
    # Wait for the letter itself: a pause while it is written must not pass for the end of the work.
    await world.server.wait_until(
        lambda: any(m.find_button("اصرار") for m in world.server.messages_to(people.zahra)),
        what="the objection letter",
    )
    await world.server.wait_for_idle()


def texts(world: World, who: SimUser, after: int = 0) -> list[str]:
    return [m.content for m in world.server.messages_to(who)[after:]]
