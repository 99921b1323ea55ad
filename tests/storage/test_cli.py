"""The operators' commands: ``db upgrade``, ``org load``, ``org show``, ``invite create``."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from bot.commands import db, invite, org
from bot.settings import Settings
from council.clock import SystemClock
from council.invites import InviteState
from storage.db import create_engine, session_factory
from storage.migrate import head_revision
from storage.repository import Repository

from .conftest import SAMPLE_ORG


def run(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="council-bot")
    sub = parser.add_subparsers(dest="command")
    for module in (db, org, invite):
        module.add_parser(sub)
    args = parser.parse_args(argv)
    result: int = args.func(args, settings)
    return result


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, bot_platform="bale", bot_username="@CouncilTestBot", _env_file=None)


@pytest.fixture
def settings(migrated_url: str) -> Settings:
    return settings_for(migrated_url)


def test_db_upgrade_prints_one_line(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings_for(db_url), "db", "upgrade") == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.rstrip().endswith(f"is at revision {head_revision()}")
    assert run(settings_for(db_url), "db", "upgrade") == 0


def test_org_load_migrates_a_new_database_first(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings_for(db_url), "org", "load", str(SAMPLE_ORG)) == 0
    assert capsys.readouterr().out == "created 42, updated 0, unchanged 0\n"


def test_org_load_creates_then_changes_nothing(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(settings, "org", "load", str(SAMPLE_ORG)) == 0
    assert capsys.readouterr().out == "created 42, updated 0, unchanged 0\n"
    assert run(settings, "org", "load", str(SAMPLE_ORG)) == 0
    assert capsys.readouterr().out == "created 0, updated 0, unchanged 42\n"


def test_org_load_of_a_broken_file_exits_2_names_the_line_and_writes_nothing(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(settings, "org", "load", str(SAMPLE_ORG))
    capsys.readouterr()
    run(settings, "org", "show", "--json")
    before = capsys.readouterr().out
    broken = tmp_path / "broken.org"
    lines = SAMPLE_ORG.read_text(encoding="utf-8").splitlines()
    lines.insert(6, "board | B-NEW | هیأت تازه | county=SMN-NOPE | seats=3")  # becomes line 7
    broken.write_text("\n".join(lines).replace("members=9", "members=10"), encoding="utf-8")

    assert run(settings, "org", "load", str(broken)) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{broken}:7: unknown county 'SMN-NOPE'\n"
    assert captured.out == ""
    run(settings, "org", "show", "--json")
    assert capsys.readouterr().out == before


def test_org_load_of_a_missing_file_exits_2(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(settings, "org", "load", str(tmp_path / "nope.org")) == 2
    assert capsys.readouterr().err.startswith(f"{tmp_path / 'nope.org'}: cannot read:")


def test_org_show_json_lists_every_unit_with_persian_text_as_is(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run(settings, "org", "load", str(SAMPLE_ORG))
    capsys.readouterr()
    assert run(settings, "org", "show", "--json") == 0
    out = capsys.readouterr().out
    assert "استان سمنان" in out
    shown = json.loads(out)
    assert [len(shown[k]) for k in ("provinces", "counties", "boards", "councils")] == [1, 9, 9, 23]
    assert shown["boards"][0] == {
        "code": "B-SMN",
        "name": "هیأت تطبیق مصوبات شوراهای شهرستان سمنان",
        "county": "SMN-SMN",
        "seats": 3,
    }
    assert shown["councils"][0] == {
        "code": "C-SMN-SEMNAN",
        "name": "شورای اسلامی شهر سمنان",
        "kind": "city",
        "county": "SMN-SMN",
        "board": "B-SMN",
        "members": 9,
    }


def test_org_show_prints_a_file_that_loads_back_unchanged(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(settings, "org", "load", str(SAMPLE_ORG))
    capsys.readouterr()
    assert run(settings, "org", "show") == 0
    shown = tmp_path / "shown.org"
    shown.write_text(capsys.readouterr().out, encoding="utf-8")
    assert run(settings, "org", "load", str(shown)) == 0
    assert capsys.readouterr().out == "created 0, updated 0, unchanged 42\n"


def test_invite_create_json_gives_a_code_that_redeems(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run(settings, "org", "load", str(SAMPLE_ORG))
    capsys.readouterr()
    assert run(settings, "invite", "create", "--role", "secretary", "--scope", "c-smn-semnan", "--json") == 0
    issued = json.loads(capsys.readouterr().out)
    code = issued["code"]
    assert len(code) == 10
    assert issued["link"] == f"https://ble.ir/CouncilTestBot?start={code}"
    assert {k: issued[k] for k in ("role", "scope_kind", "scope_code", "scope_name")} == {
        "role": "secretary",
        "scope_kind": "council",
        "scope_code": "C-SMN-SEMNAN",
        "scope_name": "شورای اسلامی شهر سمنان",
    }
    assert issued["expires_at"].endswith("+00:00")

    async def redeem() -> InviteState:
        engine = create_engine(settings.effective_database_url)
        try:
            async with session_factory(engine)() as session:
                repo = Repository(session)
                person = await repo.upsert_person(9, "x")
                return (await repo.redeem_invite(code, person.id, SystemClock().now())).state
        finally:
            await engine.dispose()

    assert asyncio.run(redeem()) is InviteState.VALID


def test_invite_create_prints_the_code_link_and_expiry(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(settings, "invite", "create", "--role", "admin", "--scope", "IR", "--ttl-days", "2") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["code", "link", "for", "expires"]
    code = lines[0].split()[-1]
    assert lines[1] == f"link:    https://ble.ir/CouncilTestBot?start={code}"
    assert lines[2] == "for:     admin of nation IR (IR)"


@pytest.mark.parametrize(
    ("role", "scope", "error"),
    [
        ("secretary", "C-NOWHERE", "invite: unknown scope code 'C-NOWHERE'\n"),
        (
            "member",
            "C-SMN-SEMNAN",
            "invite: role member cannot be bound to a council (C-SMN-SEMNAN); it needs: board\n",
        ),
    ],
)
def test_invite_create_for_a_wrong_scope_exits_2(
    settings: Settings, capsys: pytest.CaptureFixture[str], role: str, scope: str, error: str
) -> None:
    run(settings, "org", "load", str(SAMPLE_ORG))
    capsys.readouterr()
    assert run(settings, "invite", "create", "--role", role, "--scope", scope) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", error)
