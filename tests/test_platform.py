"""The session mends what Bale leaves out, and one unparseable update never stalls polling."""

from __future__ import annotations

import json

from aiogram import Bot
from aiogram.methods import EditMessageText, GetUpdates, SendMessage

from bot.platform import PlatformSession, mend_update

BOT = Bot("123456:TEST")


def test_a_bale_callback_query_is_given_is_bot_and_chat_instance() -> None:
    raw = {
        "update_id": 9,
        "callback_query": {
            "id": "1",
            "from": {"id": 7, "first_name": "علی"},
            "message": {
                "message_id": 3,
                "date": 1,
                "chat": {"id": 7, "type": "private"},
                "from": {"id": 99, "first_name": "bot"},
            },
            "data": "x",
        },
    }
    mended = mend_update(raw, bot_id=99)
    assert mended["callback_query"]["from"] == {"id": 7, "first_name": "علی", "is_bot": False}
    assert mended["callback_query"]["chat_instance"] == "7"
    assert mended["callback_query"]["message"]["from"]["is_bot"] is True


def test_bad_updates_are_replaced_by_their_id_or_dropped_and_good_ones_kept() -> None:
    session = PlatformSession()
    good = {
        "update_id": 3,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": 7, "type": "private"},
            "from": {"id": 7, "first_name": "a"},
            "text": "hi",
        },
    }
    content = json.dumps(
        {
            "ok": True,
            "result": [
                {"update_id": 1, "message": {"chat": "nonsense"}},
                {"no_id": True},
                good,
            ],
        }
    )
    updates = session.check_response(BOT, GetUpdates(), 200, content).result
    assert updates is not None
    assert [u.update_id for u in updates] == [1, 3]
    assert updates[0].message is None
    assert updates[1].message is not None and updates[1].message.text == "hi"


def test_an_edit_answered_with_a_stub_counts_as_done() -> None:
    session = PlatformSession()
    method = EditMessageText(text="x", chat_id=7, message_id=3)
    response = session.check_response(BOT, method, 200, json.dumps({"ok": True, "result": {"message_id": 0}}))
    assert response.result is True


def test_a_full_message_answer_is_left_as_it_is() -> None:
    session = PlatformSession()
    result = {
        "message_id": 5,
        "date": 1,
        "chat": {"id": 7, "type": "private"},
        "text": "سلام",
        "from": {"id": 123456, "first_name": "bot"},
    }
    message = session.check_response(
        BOT, SendMessage(chat_id=7, text="سلام"), 200, json.dumps({"ok": True, "result": result})
    ).result
    assert message is not None
    assert (message.message_id, message.text, message.from_user.is_bot) == (5, "سلام", True)
