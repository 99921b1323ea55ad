"""Lists by message (issue 6), in both platform profiles: «مصوبات معوق شاهرود», «اعتراض‌های این ماه»,
«مصوبات این هفته», ``/find WORDS`` and bare words — each within the asker's scope, with the count, one line
per resolution and the tip; an ambiguous place asks with buttons; a place outside the scope is answered
exactly like one that does not exist; small talk still reaches the fallback.

The clock stands at Friday 1405/09/06 10:30 Tehran. The resolutions are written through the submit and
review use cases straight into the bot's database (the chat form is tested elsewhere):

* Semnan city (zahra): «احداث پارکینگ طبقاتی شهری» submitted now; «نگهداری پارک‌های محله‌ای» an hour ago,
  objected half an hour ago; «تعیین نرخ عوارض پسماند» two days ago (Wednesday 09/04), objected then.
* Shahrud city (hasan): «توسعهٔ پارک جنگلی» submitted and objected 20 days ago (1405/08/16), the council
  silent, so escalated when its answer was due (overdue: the council's answer); «ساماندهی دستفروشان»
  submitted and objected 60 days ago, the council insisted the next day and the dispute authority's
  deadline has passed (overdue: the authority).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from bot.apiserver.state import SimUser
from council.jalali import tehran_date
from council.review import ConflictGrounds, ReconsiderationDecision, VoteChoice
from council.reviewing import cast_vote, decide_reconsideration, process_lapses
from council.roles import Role
from council.rules import StatutoryRules
from council.submission import Category, Votes
from council.submitting import Draft, submit_resolution
from storage.models import Person, Resolution
from storage.orgfile import load_org, parse_org_file
from storage.repository import Repository

from .conftest import SAMPLE_ORG, World
from .flows import Board, board, press
from .test_submission import DIGITS

RULES = StatutoryRules()
NOT_FOUND = "مصوبه‌ای با این مشخصات پیدا نشد."
NOT_UNDERSTOOD = "متوجه نشدم. برای دیدن کارهایی که می‌توانید انجام دهید /help را بفرستید."
TIP = "برای دیدن کارت کامل هر مصوبه، کد رهگیری آن را بفرستید."
SEMNAN = "شورای اسلامی شهر سمنان"
SHAHRUD = "شورای اسلامی شهر شاهرود"
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
LAW = ConflictGrounds.conflicts_with_law("قانون شهرداری", "ماده ۵۵")
REASONING = "وضع عوارض بر کالای وارداتی در صلاحیت شورای شهر نیست و با قانون مغایر است."


@dataclass
class Seeded:
    people: Board
    hasan: SimUser
    everywhere: SimUser
    codes: dict[str, str]  # title → tracking code as shown


async def _person_id(repo: Repository, who: SimUser) -> int:
    person = await repo.session.scalar(sa.select(Person).where(Person.platform_user_id == who.id))
    assert person is not None
    return person.id


async def seed(world: World) -> Seeded:
    people = await board(world)
    hasan = world.person(1002, "حسن")
    kaveh, leila = world.person(2101, "کاوه"), world.person(2102, "لیلا")
    everywhere = world.person(3003, "پرویز")
    await world.enrol(hasan, Role.SECRETARY, "C-SHR-SHAHRUD")
    await world.enrol(kaveh, Role.MEMBER, "B-SHR")
    await world.enrol(leila, Role.MEMBER, "B-SHR")
    await world.enrol(everywhere, Role.OFFICIAL, "IR")
    now = world.clock.now()
    async with world.repo_session() as session:
        repo = Repository(session, world.clock)
        ids = {
            who.id: await _person_id(repo, who)
            for who in (people.zahra, people.ali, people.sara, hasan, kaveh, leila)
        }

        async def submit(
            who: SimUser, council_code: str, number: str, title: str, text: str, at: dt.datetime
        ) -> int:
            council = await repo.resolutions.council(council_code)
            assert council is not None
            draft = Draft(
                submission_key=uuid.uuid4().hex,
                council_number=number,
                session_number=40,
                approval_date=tehran_date(at - DAY),
                title=title,
                text=text,
                category=Category.URBAN_SERVICES,
                votes=Votes(5, 0, 0),
            )
            submitted = await submit_resolution(
                repo.resolutions, draft, council, actor_id=ids[who.id], now=at, rules=RULES
            )
            return submitted.resolution_id

        async def object_to(rid: int, members: tuple[SimUser, SimUser], at: dt.datetime) -> None:
            for member in members:
                await cast_vote(
                    repo.reviews,
                    rid,
                    ids[member.id],
                    VoteChoice.CONFLICT,
                    now=at,
                    rules=RULES,
                    grounds=LAW,
                    reasoning=REASONING,
                )

        semnan_board = (people.ali, people.sara)
        shahrud_board = (kaveh, leila)
        await submit(
            people.zahra, "C-SMN-SEMNAN", "31", "احداث پارکینگ طبقاتی شهری", "ساخت پارکینگ عمومی", now
        )
        parks = await submit(
            people.zahra, "C-SMN-SEMNAN", "30", "نگهداری پارک‌های محله‌ای", "آبیاری فضای سبز", now - HOUR
        )
        await object_to(parks, semnan_board, now - HOUR / 2)
        waste = await submit(
            people.zahra,
            "C-SMN-SEMNAN",
            "29",
            "تعیین نرخ عوارض پسماند",
            "نرخ عوارض پسماند خانگی",
            now - 2 * DAY,
        )
        await object_to(waste, semnan_board, now - 2 * DAY)
        forest = await submit(hasan, "C-SHR-SHAHRUD", "14", "توسعهٔ پارک جنگلی", "کاشت درخت", now - 20 * DAY)
        await object_to(forest, shahrud_board, now - 20 * DAY)
        vendors = await submit(
            hasan, "C-SHR-SHAHRUD", "13", "ساماندهی دستفروشان", "بازارچهٔ موقت", now - 60 * DAY
        )
        await object_to(vendors, shahrud_board, now - 60 * DAY)
        await decide_reconsideration(
            repo.reviews,
            vendors,
            ids[hasan.id],
            ReconsiderationDecision.INSIST,
            now=now - 59 * DAY,
            rules=RULES,
        )
        # The council of Shahrud did not answer about the forest park: it escalates when the answer was due.
        await process_lapses(repo.reviews, now, RULES)
        await session.commit()
        rows = await session.execute(sa.select(Resolution.id, Resolution.tracking_code))
        by_id = {rid: "\u2066" + code.translate(DIGITS) + "\u2069" for rid, code in rows}
        titles = await session.execute(sa.text("SELECT resolution_id, title FROM resolution_versions"))
        codes = {title: by_id[rid] for rid, title in titles}
    await world.server.wait_for_idle()
    return Seeded(people, hasan, everywhere, codes)


def item(n: str, code: str, council: str, number: str, title: str, detail: str) -> str:
    return f"{n}. {code} — {council}، شماره {number} — {title}\n   {detail}"


async def test_overdue_in_a_county_and_nation_wide(world: World) -> None:
    seeded = await seed(world)
    omid, codes = seeded.people.omid, seeded.codes
    vendors = item(
        "۱",
        codes["ساماندهی دستفروشان"],
        SHAHRUD,
        "۱۳",
        "ساماندهی دستفروشان",
        "ارجاع به مرجع حل اختلاف — مهلت مرجع حل اختلاف: ۱۴۰۵/۰۷/۲۲ ساعت ۲۳:۵۹ (۴۳ روز و ۱۰ ساعت تأخیر)",
    )
    forest = item(
        "۲",
        codes["توسعهٔ پارک جنگلی"],
        SHAHRUD,
        "۱۴",
        "توسعهٔ پارک جنگلی",
        "ارجاع به مرجع حل اختلاف — مهلت پاسخ شورا: ۱۴۰۵/۰۸/۲۶ ساعت ۲۳:۵۹ (۹ روز و ۱۰ ساعت تأخیر)",
    )
    in_shahrud = await world.say(omid, "مصوبات معوق شاهرود")
    assert in_shahrud.content == (f"مصوبات معوق در شهرستان شاهرود: ۲ مورد\n{vendors}\n{forest}\n\n{TIP}")
    # Nation-wide, with Arabic letters and «معوقه»; the same two are all there is.
    everywhere = await world.say(seeded.everywhere, "مصوبات معوقه")
    assert everywhere.content == f"مصوبات معوق در حوزهٔ شما: ۲ مورد\n{vendors}\n{forest}\n\n{TIP}"
    # A city council by name, and Semnan's county with nothing overdue.
    assert (await world.say(omid, "مصوبات معوق شهر شاهرود")).content == (
        f"مصوبات معوق در {SHAHRUD}: ۲ مورد\n{vendors}\n{forest}\n\n{TIP}"
    )
    assert (await world.say(omid, "مصوبات معوق سمنان")).content == (
        "مصوبات معوق در شهرستان سمنان: موردی یافت نشد."
    )


async def test_objections_this_month_and_resolutions_this_week(world: World) -> None:
    seeded = await seed(world)
    omid, codes = seeded.people.omid, seeded.codes
    parks = item(
        "۱",
        codes["نگهداری پارک‌های محله‌ای"],
        SEMNAN,
        "۳۰",
        "نگهداری پارک‌های محله‌ای",
        "اعتراض در ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۰۰ — وضعیت کنونی: اعتراض هیأت تطبیق",
    )
    waste = item(
        "۲",
        codes["تعیین نرخ عوارض پسماند"],
        SEMNAN,
        "۲۹",
        "تعیین نرخ عوارض پسماند",
        "اعتراض در ۱۴۰۵/۰۹/۰۴ ساعت ۱۰:۳۰ — وضعیت کنونی: اعتراض هیأت تطبیق",
    )
    expected = f"اعتراض‌های این ماه (۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰): ۲ مورد\n{parks}\n{waste}\n\n{TIP}"
    assert (await world.say(omid, "اعتراض‌های این ماه")).content == expected
    assert (await world.say(omid, "اعتراضهای این ماه؟")).content == expected
    # The board's secretary of Semnan sees the same; Shahrud's official has none this month.
    assert (await world.say(seeded.people.ali, "اعتراض های این ماه")).content == expected
    assert (await world.say(seeded.people.nima, "اعتراض‌های این ماه")).content == (
        "اعتراض‌های این ماه (۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰): موردی یافت نشد."
    )
    # Last month in Shahrud: the forest park (1405/08/16).
    assert (await world.say(omid, "اعتراض‌های ماه گذشته در شاهرود")).content == (
        "اعتراض‌های ماه گذشته در شهرستان شاهرود (۱۴۰۵/۰۸/۰۱ تا ۱۴۰۵/۰۸/۳۰): ۱ مورد\n"
        + item(
            "۱",
            codes["توسعهٔ پارک جنگلی"],
            SHAHRUD,
            "۱۴",
            "توسعهٔ پارک جنگلی",
            "اعتراض در ۱۴۰۵/۰۸/۱۶ ساعت ۱۰:۳۰ — وضعیت کنونی: ارجاع به مرجع حل اختلاف",
        )
        + f"\n\n{TIP}"
    )

    # This week runs from Saturday 1405/08/30 to today, Friday 1405/09/06.
    week = (
        "مصوبات این هفته (۱۴۰۵/۰۸/۳۰ تا ۱۴۰۵/۰۹/۰۶): ۳ مورد\n"
        + item(
            "۱",
            codes["احداث پارکینگ طبقاتی شهری"],
            SEMNAN,
            "۳۱",
            "احداث پارکینگ طبقاتی شهری",
            "ارسال در ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰ — در حال بررسی",
        )
        + "\n"
        + item(
            "۲",
            codes["نگهداری پارک‌های محله‌ای"],
            SEMNAN,
            "۳۰",
            "نگهداری پارک‌های محله‌ای",
            "ارسال در ۱۴۰۵/۰۹/۰۶ ساعت ۰۹:۳۰ — اعتراض هیأت تطبیق",
        )
        + "\n"
        + item(
            "۳",
            codes["تعیین نرخ عوارض پسماند"],
            SEMNAN,
            "۲۹",
            "تعیین نرخ عوارض پسماند",
            "ارسال در ۱۴۰۵/۰۹/۰۴ ساعت ۱۰:۳۰ — اعتراض هیأت تطبیق",
        )
        + f"\n\n{TIP}"
    )
    assert (await world.say(seeded.people.zahra, "مصوبات این هفته")).content == week
    assert (await world.say(omid, "مصوبه‌های این هفته")).content == week
    assert (await world.say(omid, "مصوبات این هفته شاهرود")).content == (
        "مصوبات این هفته در شهرستان شاهرود (۱۴۰۵/۰۸/۳۰ تا ۱۴۰۵/۰۹/۰۶): موردی یافت نشد."
    )


async def test_find_and_bare_words_search_titles_and_texts_within_scope(world: World) -> None:
    seeded = await seed(world)
    people, codes = seeded.people, seeded.codes
    parking = ("احداث پارکینگ طبقاتی شهری", "ارسال در ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰ — در حال بررسی")
    parks = ("نگهداری پارک‌های محله‌ای", "ارسال در ۱۴۰۵/۰۹/۰۶ ساعت ۰۹:۳۰ — اعتراض هیأت تطبیق")
    forest = ("توسعهٔ پارک جنگلی", "ارسال در ۱۴۰۵/۰۸/۱۶ ساعت ۱۰:۳۰ — ارجاع به مرجع حل اختلاف")

    def found(words: str, *rows: tuple[str, str, str, str]) -> str:
        lines = [f"جست‌وجوی «{words}»: {str(len(rows)).translate(DIGITS)} مورد"]
        for n, (title, detail, council, number) in enumerate(rows, 1):
            lines.append(item(str(n).translate(DIGITS), codes[title], council, number, title, detail))
        return "\n".join(lines) + f"\n\n{TIP}"

    # The province's official: «پارک» begins «پارکینگ» and «پارک‌های», in both cities, newest first.
    assert (await world.say(people.omid, "/find پارک")).content == found(
        "پارک", (*parking, SEMNAN, "۳۱"), (*parks, SEMNAN, "۳۰"), (*forest, SHAHRUD, "۱۴")
    )
    # Semnan's secretary, bare words: Arabic kaf, a ZWNJ plural, Arabic yeh; only her council's.
    zahra = people.zahra
    semnan_parks = found("پارک", (*parking, SEMNAN, "۳۱"), (*parks, SEMNAN, "۳۰"))
    assert (await world.say(zahra, "پارك")).content == semnan_parks
    assert (await world.say(zahra, "پارک؟")).content == semnan_parks
    assert (await world.say(zahra, "پارک‌ها")).content == semnan_parks.replace("«پارک»", "«پارک‌ها»")
    assert (await world.say(zahra, "پارکينگ  شهري")).content == found(
        "پارکینگ شهری", (*parking, SEMNAN, "۳۱")
    )
    # Words of the text count too; every word must match.
    assert (await world.say(zahra, "/find آبیاری")).content == found("آبیاری", (*parks, SEMNAN, "۳۰"))
    assert (await world.say(zahra, "/find پارک جنگلی")).content == "جست‌وجوی «پارک جنگلی»: موردی یافت نشد."
    # Shahrud's county official sees only the forest park.
    assert (await world.say(people.nima, "پارک")).content == found("پارک", (*forest, SHAHRUD, "۱۴"))
    # No words: the usage; nothing matching: said so.
    assert (await world.say(zahra, "/find")).content == (
        "واژه‌های مورد جست‌وجو را پس از فرمان بنویسید، برای نمونه /find پارکینگ طبقاتی"
    )
    assert (await world.say(zahra, "/find و در")).content.startswith("واژه‌های مورد جست‌وجو")
    assert (await world.say(zahra, "/find ناکجا")).content == "جست‌وجوی «ناکجا»: موردی یافت نشد."
    # Small talk and single letters are not searches.
    for text in ("سلام", "ب", "ممنون!", "سلام خوبی؟"):
        assert (await world.say(zahra, text)).content == NOT_UNDERSTOOD, text


async def test_an_ambiguous_place_asks_with_buttons_and_the_button_answers_the_list(world: World) -> None:
    seeded = await seed(world)
    omid = seeded.people.omid
    # «اب» begins both «روستای ابر» and «روستای ابرسج».
    asked = await world.say(omid, "مصوبات معوق اب")
    assert asked.content == "منظورتان کدام شورا یا شهرستان است؟"
    assert asked.buttons == [["شورای اسلامی روستای ابر"], ["شورای اسلامی روستای ابرسج"]]
    chosen = await press(world, omid, "شورای اسلامی روستای ابرسج")
    assert chosen.content == "مصوبات معوق در شورای اسلامی روستای ابرسج: موردی یافت نشد."
    asked = await world.say(omid, "اعتراض‌های ماه گذشته اب")
    assert asked.buttons == [["شورای اسلامی روستای ابر"], ["شورای اسلامی روستای ابرسج"]]
    chosen = await press(world, omid, "شورای اسلامی روستای ابر")
    assert chosen.content == (
        "اعتراض‌های ماه گذشته در شورای اسلامی روستای ابر (۱۴۰۵/۰۸/۰۱ تا ۱۴۰۵/۰۸/۳۰): موردی یافت نشد."
    )
    # Someone else pressing the button is refused by the fallback.
    await world.say(omid, "مصوبات این هفته اب")
    other = seeded.everywhere
    message = world.server.messages_to(omid)[-1]
    button = message.find_button("شورای اسلامی روستای ابر")
    assert button is not None
    query = await world.server.send_callback_data(
        other.id, button["callback_data"], omid.id, message.message_id
    )
    await world.server.wait_until(lambda: query in world.server.callback_answers)
    assert world.server.callback_answers[query]["text"] == "این دکمه برای شما نیست یا دیگر معتبر نیست."


async def test_a_place_outside_the_scope_is_answered_like_a_missing_one(world: World) -> None:
    seeded = await seed(world)
    people = seeded.people
    outside = {
        "secretary": (people.zahra, "شاهرود"),
        "member": (people.sara, "شاهرود"),
        "expert": (people.reza, "شاهرود"),
        "board secretary": (people.ali, "شاهرود"),
        "county official": (people.nima, "سمنان"),
        "other council's secretary": (seeded.hasan, "سمنان"),
    }
    for role, (who, place) in outside.items():
        asked = [
            f"مصوبات معوق {place}",
            f"اعتراض‌های این ماه {place}",
            f"مصوبات این هفته در {place}",
            "مصوبات معوق ناکجاآباد",
            "اعتراض‌های این ماه ناکجاآباد",
            "مصوبات این هفته ناکجاآباد",
        ]
        before = len(world.server.messages_to(who))
        for text in asked:
            await world.say(who, text)
        answers = [m.content for m in world.server.messages_to(who)[before:]]
        assert answers == [NOT_FOUND] * len(asked), role
        assert not any(m.buttons for m in world.server.messages_to(who)[before:]), role


async def test_a_council_added_by_an_org_reload_is_found_as_a_place(world: World) -> None:
    people = await board(world)
    question = "مصوبات معوق کویرشهر"
    # The province's official asks before the city exists: the places of the scope are now kept.
    assert (await world.say(people.omid, question)).content == NOT_FOUND
    city = (
        "council | C-SMN-KAVIR | شورای اسلامی شهر کویرشهر | kind=city"
        " | county=SMN-SMN | board=B-SMN | members=9\n"
    )
    async with world.repo_session() as session:
        loaded = await load_org(session, parse_org_file(SAMPLE_ORG.read_text(encoding="utf-8") + city))
    assert (loaded.created, loaded.updated) == (1, 0)
    assert (await world.say(people.omid, question)).content == (
        "مصوبات معوق در شورای اسلامی شهر کویرشهر: موردی یافت نشد."
    )
    # Shahrud's county official does not see it: named, it is answered like a missing place.
    assert (await world.say(people.nima, question)).content == NOT_FOUND


async def test_a_council_moved_to_another_province_is_found_by_that_provinces_official(world: World) -> None:
    """The organisation file moves Shahrud's city council into a county of a new province (Tehran): its
    resolutions are found by Tehran's official, no longer by Semnan's; Shahrud's county official, whose
    county stays in Semnan, no longer sees them either; the nation's official still does."""
    seeded = await seed(world)
    people, codes = seeded.people, seeded.codes
    parking = ("احداث پارکینگ طبقاتی شهری", "ارسال در ۱۴۰۵/۰۹/۰۶ ساعت ۱۰:۳۰ — در حال بررسی", SEMNAN, "۳۱")
    parks = ("نگهداری پارک‌های محله‌ای", "ارسال در ۱۴۰۵/۰۹/۰۶ ساعت ۰۹:۳۰ — اعتراض هیأت تطبیق", SEMNAN, "۳۰")
    forest = ("توسعهٔ پارک جنگلی", "ارسال در ۱۴۰۵/۰۸/۱۶ ساعت ۱۰:۳۰ — ارجاع به مرجع حل اختلاف", SHAHRUD, "۱۴")

    def found(words: str, *rows: tuple[str, str, str, str]) -> str:
        lines = [f"جست‌وجوی «{words}»: {str(len(rows)).translate(DIGITS)} مورد"]
        for n, (title, detail, council, number) in enumerate(rows, 1):
            lines.append(item(str(n).translate(DIGITS), codes[title], council, number, title, detail))
        return "\n".join(lines) + f"\n\n{TIP}"

    assert (await world.say(people.omid, "/find پارک")).content == found("پارک", parking, parks, forest)
    tehran = (
        "province | THR | استان تهران\n"
        "county   | THR-THR | شهرستان تهران | province=THR\n"
        "board    | B-THR | هیأت تطبیق مصوبات شوراهای شهرستان تهران | county=THR-THR | seats=3\n"
    )
    moved = SAMPLE_ORG.read_text(encoding="utf-8").replace(
        "C-SHR-SHAHRUD | شورای اسلامی شهر شاهرود | kind=city | county=SMN-SHR",
        "C-SHR-SHAHRUD | شورای اسلامی شهر شاهرود | kind=city | county=THR-THR",
    )
    async with world.repo_session() as session:
        loaded = await load_org(session, parse_org_file(moved + tehran))
    assert (loaded.created, loaded.updated) == (3, 1)
    bahram = world.person(3010, "بهرام")
    await world.enrol(bahram, Role.OFFICIAL, "THR")
    assert (await world.say(bahram, "/find پارک")).content == found("پارک", forest)
    assert (await world.say(bahram, "/find پارک جنگلی")).content == found("پارک جنگلی", forest)
    assert (await world.say(people.omid, "/find پارک")).content == found("پارک", parking, parks)
    assert (await world.say(people.omid, "/find پارک جنگلی")).content == (
        "جست‌وجوی «پارک جنگلی»: موردی یافت نشد."
    )
    assert (await world.say(people.nima, "/find پارک")).content == "جست‌وجوی «پارک»: موردی یافت نشد."
    assert (await world.say(seeded.everywhere, "/find پارک")).content == found(
        "پارک", parking, parks, forest
    )
