"""A small JSON control API under ``/_sim/`` that lets a browser (the sandbox web chat) act as people.

    POST /_sim/send_text     {"user_id": 7, "text": "/start", "first_name": "Ali"}   -> the Message sent
    POST /_sim/press_button  {"user_id": 7, "label": "Yes", "message_id": 3?}        -> {"callback_query_id"}
    POST /_sim/press_reply_button {"user_id": 7, "label": "Cancel"}                  -> the Message sent
    POST /_sim/upload        multipart: user_id, file, kind=document|photo, caption? -> the Message sent
    GET  /_sim/messages?user_id=7&include_deleted=0                              -> the chat, both sides
    GET  /_sim/file/{file_id}                                                    -> the file's bytes

Answers use the Bot API envelope: ``{"ok": true, "result": ...}`` or ``{"ok": false, "description": ...}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.apiserver.people import SimPeople
from bot.apiserver.state import JsonDict, SimUser


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _fail(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)


Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _guarded(handler: Route) -> Route:
    """Turn the people side's refusals (no such button, bad input) into 400 answers."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except (AssertionError, ValueError, KeyError, TypeError) as error:
            return _fail(400, str(error) or type(error).__name__)

    return wrapper


class SimHttpApi:
    def __init__(self, people: SimPeople) -> None:
        self.people = people

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/_sim/send_text", _guarded(self.send_text)),
            web.post("/_sim/press_button", _guarded(self.press_button)),
            web.post("/_sim/press_reply_button", _guarded(self.press_reply_button)),
            web.post("/_sim/upload", _guarded(self.upload)),
            web.get("/_sim/messages", _guarded(self.messages)),
            web.get("/_sim/file/{file_id}", self.file),
        ]

    def _person(self, data: Any) -> SimUser:
        user_id = int(data["user_id"])
        existing = self.people.state.users.get(user_id)
        first_name = str(data.get("first_name") or (existing.first_name if existing else f"User {user_id}"))
        language = data.get("language_code") or (existing.language_code if existing else "fa")
        username = data.get("username") or (existing.username if existing else None)
        return self.people.user(user_id, first_name, language, username)

    async def send_text(self, request: web.Request) -> web.Response:
        data = await request.json()
        return _ok(await self.people.send_text(self._person(data), str(data["text"])))

    async def press_button(self, request: web.Request) -> web.Response:
        data = await request.json()
        message_id = data.get("message_id")
        query_id = await self.people.press_button(
            self._person(data), str(data["label"]), int(message_id) if message_id is not None else None
        )
        return _ok({"callback_query_id": query_id})

    async def press_reply_button(self, request: web.Request) -> web.Response:
        data = await request.json()
        return _ok(await self.people.press_reply_button(self._person(data), str(data["label"])))

    async def upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise ValueError("a multipart part named 'file' is required")
        person = self._person(form)
        content = upload.file.read()
        caption = str(form["caption"]) if form.get("caption") else None
        if form.get("kind") == "photo":
            return _ok(await self.people.send_photo(person, content, caption))
        mime = upload.content_type or "application/octet-stream"
        return _ok(await self.people.send_document(person, upload.filename, content, mime, caption))

    async def messages(self, request: web.Request) -> web.Response:
        user = self._person(request.query)
        include_deleted = request.query.get("include_deleted", "0") not in ("0", "false", "")
        st = self.people.state
        listing: list[JsonDict] = [
            {
                "message": st.message_api(m),
                "from_bot": m.from_bot,
                "deleted": m.deleted,
                "edits": len(m.history),
            }
            for m in self.people.chat_history(user, include_deleted)
        ]
        answers = [
            {"callback_query_id": qid, **answer}
            for qid, answer in st.callback_answers.items()
            if st.callback_queries[qid].user_id == user.id
        ]
        return _ok(
            {
                "messages": listing,
                "reply_keyboard": self.people.reply_keyboard(user),
                "callback_answers": answers,
            }
        )

    async def file(self, request: web.Request) -> web.Response:
        sim_file = self.people.state.files.get(request.match_info["file_id"])
        if sim_file is None:
            return _fail(404, "Not Found")
        return web.Response(body=sim_file.data, content_type=sim_file.mime_type or "application/octet-stream")
