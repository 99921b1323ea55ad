"""The sandbox's web chat: three static files and a small JSON API, served by the bot's own process.

Routes (all on the sandbox's address, 127.0.0.1:8080 by default; documented in ``docs/SANDBOX.md``):

    GET  /                    the page (index.html, app.css, app.js: plain files, no build step, no CDN)
    GET  /api/state           the platform, the sandbox time and the demo people
    GET  /api/chat?user_id=1001&since=VERSION&wait=20
                              one person's chat as the page draws it; with ``since`` equal to the current
                              version it waits up to ``wait`` seconds for a change (long poll)
    POST /api/clock           {"hours": 1} or {"days": 10}: move sandbox time ahead
    POST /api/reset           start the sandbox over
    /_sim/...                 the local Bot API server's people-side API (send_text, press_button,
                              press_reply_button, upload, file/{file_id}); see bot/apiserver/simhttp.py

Answers use the Bot API envelope: ``{"ok": true, "result": ...}`` or ``{"ok": false, "description": ...}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.apiserver.server import MAX_REQUEST
from bot.apiserver.simhttp import SimHttpApi
from bot.apiserver.state import JsonDict, SimMessage, SimState, SimUser
from council.jalali import TEHRAN, format_jalali_datetime
from council.text import to_persian_digits

if TYPE_CHECKING:
    from bot.sandbox import Sandbox

STATIC_FILES = {
    "/": ("index.html", "text/html"),
    "/app.css": ("app.css", "text/css"),
    "/app.js": ("app.js", "text/javascript"),
}
#: The longest a long poll of /api/chat waits, in seconds.
MAX_WAIT = 25.0


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result}, dumps=_dumps)


def _fail(status: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description}
    return web.json_response(body, status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _local_time(unix: int) -> str:
    """``۱۴:۳۰`` in Tehran time, for the bubble's corner."""
    local = dt.datetime.fromtimestamp(unix, dt.UTC).astimezone(TEHRAN)
    return to_persian_digits(f"{local.hour:02d}:{local.minute:02d}")


def _button(button: JsonDict) -> JsonDict:
    if "url" in button:
        return {"text": button.get("text", ""), "url": button["url"]}
    return {"text": button.get("text", ""), "callback": "callback_data" in button}


def message_view(msg: SimMessage) -> JsonDict:
    """One message as the page draws it."""
    view: JsonDict = {
        "id": msg.message_id,
        "from_bot": msg.from_bot,
        "text": msg.content,
        "time": _local_time(msg.date),
        "edited": msg.edit_date is not None,
    }
    if msg.reply_markup:
        rows = msg.reply_markup.get("inline_keyboard", [])
        view["buttons"] = [[_button(b) for b in row if isinstance(b, dict)] for row in rows]
    if msg.document is not None:
        doc = msg.document
        view["document"] = {
            "url": f"/_sim/file/{doc.file_id}",
            "name": doc.file_name or doc.file_path.rsplit("/", 1)[-1],
            "size": doc.size,
            "mime": doc.mime_type,
        }
    if msg.photo is not None:
        view["photo"] = {"url": f"/_sim/file/{msg.photo.file_id}", "width": msg.photo.width}
    return view


def command_menu(state: SimState, user: SimUser) -> list[JsonDict]:
    """The commands the person's menu shows, resolved by scope the way Telegram does for a private chat:
    the chat's own list, then all private chats, then the default (each first in the person's language)."""
    for scope in (f"chat:{user.id}", "all_private_chats", "default"):
        keys = ([f"{scope}/{user.language_code}"] if user.language_code else []) + [scope]
        for key in keys:
            if state.commands.get(key):
                return state.commands[key]
    return []


def chat_view(state: SimState, user: SimUser) -> JsonDict:
    """The person's whole chat: messages, the reply keyboard, the command menu, toasts from button presses."""
    keyboard = state.reply_keyboards.get(user.id)
    reply_keyboard = None
    if keyboard is not None:
        reply_keyboard = {
            "rows": [
                [b.get("text", "") if isinstance(b, dict) else str(b) for b in row]
                for row in keyboard.get("keyboard", [])
            ],
            "placeholder": keyboard.get("input_field_placeholder"),
        }
    answers = [
        {"id": query_id, "text": answer["text"], "alert": bool(answer.get("show_alert"))}
        for query_id, answer in state.callback_answers.items()
        if state.callback_queries[query_id].user_id == user.id and answer.get("text")
    ]
    return {
        "messages": [message_view(m) for m in state.chats.get(user.id, []) if not m.deleted],
        "reply_keyboard": reply_keyboard,
        "commands": command_menu(state, user),
        "answers": answers,
    }


def version_of(view: JsonDict) -> str:
    """A short fingerprint of a chat view: any visible change (a new message, an edit, a removed button,
    a keyboard) gives a new version."""
    return hashlib.sha1(_dumps(view).encode(), usedforsecurity=False).hexdigest()[:16]


Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _guarded(handler: Route) -> Route:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (ValueError, KeyError, TypeError) as error:
            return _fail(400, str(error) or type(error).__name__)

    return wrapper


class WebChat:
    """The web chat's HTTP side, for one :class:`~bot.sandbox.Sandbox`."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.closing = False

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST)
        for path in STATIC_FILES:
            app.router.add_get(path, self.static)
        app.router.add_get("/api/state", _guarded(self.state))
        app.router.add_get("/api/chat", _guarded(self.chat))
        app.router.add_post("/api/clock", _guarded(self.move_clock))
        app.router.add_post("/api/reset", _guarded(self.reset))
        app.add_routes(SimHttpApi(self.sandbox.server).routes())
        return app

    async def static(self, request: web.Request) -> web.Response:
        name, content_type = STATIC_FILES[request.path]
        body = resources.files(__name__).joinpath(name).read_bytes()
        return web.Response(
            body=body, content_type=content_type, charset="utf-8", headers={"Cache-Control": "no-cache"}
        )

    def clock_view(self) -> JsonDict:
        clock = self.sandbox.clock
        now = clock.now()
        return {
            "now": now.isoformat(timespec="seconds"),
            "jalali": format_jalali_datetime(now),
            "offset_seconds": int(clock.offset.total_seconds()),
        }

    async def state(self, request: web.Request) -> web.Response:
        server = self.sandbox.server
        people = self.sandbox.people()
        for person in people:
            chat = server.state.chats.get(person["user_id"], [])
            person["bot_messages"] = sum(1 for m in chat if m.from_bot and not m.deleted)
        return _ok(
            {
                "platform": server.profile.name,
                "bot": {"username": server.state.bot_username, "name": server.state.bot_first_name},
                "clock": self.clock_view(),
                "people": people,
            }
        )

    def _view(self, user_id: int) -> JsonDict:
        state = self.sandbox.server.state
        user = state.users.get(user_id)
        if user is None:
            raise KeyError(f"no person with user_id {user_id} in the sandbox")
        return chat_view(state, user)

    async def chat(self, request: web.Request) -> web.Response:
        user_id = int(request.query["user_id"])
        since = request.query.get("since")
        wait = min(max(float(request.query.get("wait", 0)), 0.0), MAX_WAIT)
        view = self._view(user_id)
        version = version_of(view)
        if since == version and wait > 0 and not self.closing:
            # Re-checked after every Bot API call the bot makes (and on clock moves and resets).
            def changed() -> bool:
                return self.closing or user_id not in self.sandbox.server.state.users or (
                    version_of(self._view(user_id)) != since
                )

            await self.sandbox.server.state.bot_activity.wait_for(changed, wait)
            if user_id in self.sandbox.server.state.users:
                view = self._view(user_id)
                version = version_of(view)
        result: JsonDict = {"version": version, "changed": version != since, "clock": self.clock_view()}
        if version != since:
            result["chat"] = view
        return _ok(result)

    async def move_clock(self, request: web.Request) -> web.Response:
        data = await request.json()
        hours, days = float(data.get("hours", 0)), float(data.get("days", 0))
        if hours < 0 or days < 0 or hours + days == 0:
            raise ValueError("give a positive number of hours or days")
        self.sandbox.advance_clock(dt.timedelta(hours=hours, days=days))
        return _ok(self.clock_view())

    async def reset(self, request: web.Request) -> web.Response:
        await self.sandbox.reset()
        return _ok({"clock": self.clock_view(), "people": self.sandbox.people()})
