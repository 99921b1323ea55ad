"""The project's own local Bot API server: real HTTP on 127.0.0.1, simulated people, spec-checked calls.

Used by the conversation tests (the real aiogram bot talks to it) and by the sandbox web chat.
"""

from bot.apiserver.methods import ApiError
from bot.apiserver.profile import BALE, TELEGRAM, Profile
from bot.apiserver.ratelimit import RateLimits
from bot.apiserver.server import ApiCall, LocalBotApiServer
from bot.apiserver.spec import BotApiSpec, SpecViolation, UploadedFile, check_call, default_spec
from bot.apiserver.state import SimFile, SimMessage, SimUser

__all__ = [
    "BALE",
    "TELEGRAM",
    "ApiCall",
    "ApiError",
    "BotApiSpec",
    "LocalBotApiServer",
    "Profile",
    "RateLimits",
    "SimFile",
    "SimMessage",
    "SimUser",
    "SpecViolation",
    "UploadedFile",
    "check_call",
    "default_spec",
]
