"""What the bot keeps in memory to answer fast (a sender's person and roles, FSM state, a card's votes and
timeline) never shows what changed a moment ago as it was before."""

from __future__ import annotations

from .conftest import World
from .flows import board, submit_resolution, vote_no_conflict
from .test_status_queries import card


async def test_a_status_card_asked_again_after_a_vote_shows_the_vote(world: World) -> None:
    people = await board(world)
    res = await submit_resolution(world, people.zahra, people)
    # The official asks twice (the second answer comes from what the first one kept), then a member votes.
    first = await world.say(people.omid, res.code)
    assert first.content == card(res, votes="آرای ثبت‌شده: هنوز هیچ.\n\n")
    assert (await world.say(people.omid, res.code)).content == first.content
    await vote_no_conflict(world, people.sara)
    answer = await world.say(people.omid, res.code)
    board_votes = "آرای ثبت‌شده تا کنون (۱ از ۳ عضو):\n• سارا: عدم مغایرت\n\n"
    vote_event = "\n• ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰ — رأی سارا: عدم مغایرت"
    assert answer.content == card(res, votes=board_votes) + vote_event
    # The council's secretary, asking the same resolution, still sees no votes.
    assert (await world.say(people.zahra, res.code)).content == card(res)
