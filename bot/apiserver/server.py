"""A local Bot API server over real HTTP, for conversation tests and the sandbox web chat.

aiogram talks to it exactly as to Telegram::

    server = LocalBotApiServer()
    await server.start()
    session = AiohttpSession(api=TelegramAPIServer.from_base(server.base_url))
    bot = Bot(server.token, session=session)

Routes: ``/bot{token}/{method}`` (GET or POST; query string, JSON, form or multipart parameters),
``/file/bot{token}/{file_path}`` (downloads), and the optional people-side control API under ``/_sim/``.
Every call is checked against the Bot API specification; with ``strict=True`` a call the specification does
not allow is answered 400 (404 for an unknown method) and recorded in :attr:`LocalBotApiServer.violations`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from bot.apiserver.methods import ApiError, BotApiMethods, bad_request
from bot.apiserver.people import SimPeople
from bot.apiserver.profile import Profile, get_profile
from bot.apiserver.ratelimit import RateLimiter, RateLimits
from bot.apiserver.simhttp import SimHttpApi
from bot.apiserver.spec import BotApiSpec, SpecViolation, UploadedFile, default_spec
from bot.apiserver.state import Clock, JsonDict, SimState

log = logging.getLogger(__name__)
_ATTACH = re.compile(r"attach://([A-Za-z0-9_-]+)")
MAX_REQUEST = 60 * 1024 * 1024  # uploads up to the Bot API's 50 MB, plus form overhead


@dataclass(frozen=True)
class ApiCall:
    """One Bot API request as the server saw and answered it."""

    method: str
    params: JsonDict  # decoded values (files as UploadedFile)
    status: int
    result: Any = None
    description: str | None = None
    at: float = 0.0  # when the server answered, on time.monotonic()

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class _Fault:
    method: str
    error: ApiError
    times: int = field(default=1)


async def read_params(request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
    """Parameters from the query string and the body, and the file parts that ``attach://`` values name.

    File parts that no value references are parameters themselves (the classic ``document=<file>`` upload).
    """
    params: JsonDict = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method == "POST" and request.body_exists:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON object") from None
            if not isinstance(body, dict):
                raise bad_request("the JSON body must be an object")
            params.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    files[key] = UploadedFile(key, value.filename, value.content_type, data)
                else:
                    params[key] = value
        else:
            raise bad_request(f"unsupported Content-Type {ctype!r}")
    referenced = {
        name
        for value in params.values()
        for name in _ATTACH.findall(value if isinstance(value, str) else json.dumps(value, default=str))
    }
    params.update({key: f for key, f in files.items() if key not in referenced})
    return params, {key: f for key, f in files.items() if key in referenced}


def _answer(status: int, body: JsonDict) -> web.Response:
    return web.json_response(body, status=status)


class LocalBotApiServer(SimPeople):
    """The Bot API on 127.0.0.1 with simulated people on the other side.

    ``profile``: "telegram" or "bale" (or a :class:`Profile`), fixed at construction.
    ``strict``: refuse (and record) calls that break the specification; with ``strict=False`` they are only
    recorded and served as well as possible (the sandbox web chat).
    ``clock``: returns Unix time for message dates (default ``time.time``).
    ``rate_limits``: answer 429 with ``retry_after`` beyond these limits (see :mod:`bot.apiserver.ratelimit`);
    off by default.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        profile: str | Profile = "telegram",
        strict: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "CouncilMonitorBot",
        bot_first_name: str = "Council Monitor",
        clock: Clock | None = None,
        sim_http: bool = True,
        spec: BotApiSpec | None = None,
        rate_limits: RateLimits | None = None,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError(f"a bot token looks like '123456:ABC', not {token!r}")
        self.token = token
        self._profile = get_profile(profile)
        self.strict = strict
        self.host = host
        self._port = port
        self.spec = spec or default_spec()
        self.state = SimState(
            self._profile, int(bot_id), bot_username, bot_first_name, clock or (lambda: int(time.time()))
        )
        self.methods = BotApiMethods(self.state)
        self.violations: list[SpecViolation] = []
        self.calls: list[ApiCall] = []
        self._faults: list[_Fault] = []
        self.rate_limiter = RateLimiter(rate_limits) if rate_limits is not None else None
        self._sim_http = sim_http
        self._runner: web.AppRunner | None = None

    # -- lifecycle --------------------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST)
        app.router.add_get("/bot{token}/{method}", self._handle_api)
        app.router.add_post("/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        if self._sim_http:
            app.router.add_routes(SimHttpApi(self).routes())
        return app

    async def start(self) -> Self:
        if self._runner is not None:
            raise RuntimeError("the server is already running")
        self.state.closing = False
        runner = web.AppRunner(
            self.make_app(),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=1.0,
            handler_cancellation=True,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Ends pending long polls (they answer an empty list) and closes the server."""
        self.state.closing = True
        self.state.updates_changed.notify()
        self.state.bot_activity.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def reset(self) -> None:
        """Forget every person, chat, file, update, command menu and recorded call; keep the token, the
        address and the profile. Stop the bot first: a long poll still waiting ends with an empty answer."""
        old = self.state
        self.state = SimState(old.profile, old.bot_id, old.bot_username, old.bot_first_name, old.clock)
        self.methods = BotApiMethods(self.state)
        self.violations.clear()
        self.calls.clear()
        self._faults.clear()
        old.closing = True
        old.updates_changed.notify()
        old.bot_activity.notify()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def profile(self) -> Profile:
        """Chosen at construction; a running server does not change platform."""
        return self._profile

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """For ``TelegramAPIServer.from_base(server.base_url)``."""
        if self._runner is None:
            raise RuntimeError("start() the server first")
        return f"http://{self.host}:{self._port}"

    # -- inspection and fault injection -----------------------------------------------------------------
    @property
    def errors(self) -> list[ApiCall]:
        """Calls answered with an error."""
        return [call for call in self.calls if not call.ok]

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str = "Bad Request: injected failure",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with this error (e.g. 429 with retry_after, or
        403 "Forbidden: bot was blocked by the user")."""
        self._faults.append(_Fault(method, ApiError(error_code, description, retry_after), times))

    def assert_no_violations(self) -> None:
        if self.violations:
            listing = "\n".join(f"  {v}" for v in self.violations)
            raise AssertionError(
                f"the bot made calls the Bot API {self.spec.version} does not allow:\n{listing}"
            )

    # -- HTTP handlers ----------------------------------------------------------------------------------
    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        name = request.match_info["method"]
        try:
            params, attachments = await read_params(request)
        except ApiError as error:
            return self._finish(name, {}, error=error)
        checked = self.spec.check_call(name, params, attachments)
        if not checked.known:
            if self.strict:
                self._violate(name, "unknown method")
            return self._finish(name, params, error=ApiError(404, "Not Found: method not found"))
        method, values = checked.method, checked.values
        for problem in checked.problems:
            self._violate(method, problem)
        if checked.problems and self.strict:
            return self._finish(method, values, error=bad_request("; ".join(checked.problems)))
        handler = self.methods.handlers.get(method)
        if handler is None:
            self._violate(method, "valid Bot API method that LocalBotApiServer does not implement yet")
            return self._finish(
                method, values, error=bad_request(f"{method} is not supported by the local server")
            )
        if self.rate_limiter is not None and (flood := self.rate_limiter.admit(method, values)) is not None:
            return self._finish(method, values, error=flood)
        fault = next((f for f in self._faults if f.method == method), None)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            return self._finish(method, values, error=fault.error)
        try:
            result = await handler(values)
        except ApiError as error:
            return self._finish(method, values, error=error)
        except Exception as error:  # a bug here, or odd values let through with strict=False
            log.exception("LocalBotApiServer failed in %s", method)
            return self._finish(method, values, error=ApiError(500, f"Internal Server Error: {error!r}"))
        return self._finish(method, values, result=result)

    def _violate(self, method: str, problem: str) -> None:
        violation = SpecViolation(method, problem)
        self.violations.append(violation)
        self.state.error_log.append(f"spec violation: {violation}")
        if not self.strict:  # strict servers refuse the call, which the bot logs; lenient ones must say it
            log.warning("Bot API spec violation (served anyway): %s", violation)

    def _finish(
        self, method: str, params: JsonDict, result: Any = None, error: ApiError | None = None
    ) -> web.Response:
        if error is None:
            self.calls.append(ApiCall(method, params, 200, result, at=time.monotonic()))
            response = _answer(200, {"ok": True, "result": result})
        else:
            self.calls.append(
                ApiCall(method, params, error.status, description=error.description, at=time.monotonic())
            )
            self.state.error_log.append(f"{method} -> {error.status} {error.description}")
            response = _answer(error.status, error.body())
        if method != "getUpdates":
            self.state.last_bot_call = asyncio.get_running_loop().time()
            self.state.bot_activity.notify()
        return response

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        sim_file = self.state.files_by_path.get(request.match_info["path"])
        if sim_file is None:
            return _answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        return web.Response(body=sim_file.data, content_type=sim_file.mime_type or "application/octet-stream")
