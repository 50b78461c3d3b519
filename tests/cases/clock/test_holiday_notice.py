"""The State Council holiday notice parser: the published notices give exactly their facts, every
shape the notices use is read, and every malformed notice is refused quoting its sentence."""

import datetime
import json
from pathlib import Path

import pytest

from cases.clock.calendar import SEED_FILE
from cases.clock.holiday_notice import HOLIDAY, WORKDAY, NoticeInvalid, notice_parse

FIXTURES = Path(__file__).parent / "fixtures" / "holiday_notices"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def dates(year: int, spec: str) -> list[datetime.date]:
    """'01-01..01-02, 05-01' -> the dates, ranges included ("Y-MM-DD" for another year)."""
    out = []
    for part in spec.split(","):
        part = part.strip()
        first, _, last = part.partition("..")

        def day(text, year=year):
            return datetime.date.fromisoformat(text if text.count("-") == 2 else f"{year}-{text}")

        start = day(first)
        end = day(last) if last else start
        out.extend(start + datetime.timedelta(days=i) for i in range((end - start).days + 1))
    return out


# The facts of the reference notices' README (H = holidays, W = make-up working days).
FACTS = {
    2017: (
        "01-01..01-02, 01-27..02-02, 04-02..04-04, 05-01, 05-28..05-30, 10-01..10-08",
        "01-22, 02-04, 04-01, 05-27, 09-30",
    ),
    2025: (
        "01-01, 01-28..02-04, 04-04..04-06, 05-01..05-05, 05-31..06-02, 10-01..10-08",
        "01-26, 02-08, 04-27, 09-28, 10-11",
    ),
    2026: (
        "01-01..01-03, 02-15..02-23, 04-04..04-06, 05-01..05-05, 06-19..06-21, 09-25..09-27, 10-01..10-07",
        "01-04, 02-14, 02-28, 05-09, 09-20, 10-10",
    ),
}


@pytest.mark.parametrize("year", sorted(FACTS))
def test_reference_notices_give_exactly_their_facts(year):
    notice = notice_parse(read(f"{year}.txt"))
    holidays, workdays = FACTS[year]
    assert notice.year == year
    assert notice.of_kind(HOLIDAY) == dates(year, holidays)
    assert notice.of_kind(WORKDAY) == dates(year, workdays)


def test_reference_notices_give_their_source():
    n2017, n2025, n2026 = (notice_parse(read(f"{y}.txt")) for y in (2017, 2025, 2026))
    assert n2017.title == "国务院办公厅关于2017年部分节假日安排的通知"
    assert (n2017.doc_number, n2017.published_on) == ("国办发明电〔2016〕17号", datetime.date(2016, 12, 1))
    assert (n2025.doc_number, n2025.published_on) == ("国办发明电〔2024〕12号", datetime.date(2024, 11, 12))
    assert (n2026.doc_number, n2026.published_on) == ("", datetime.date(2025, 11, 4))  # published without one


def test_days_carry_the_holiday_names_as_published():
    notice = notice_parse(read("2017.txt"))
    names = {d.date: d.name for d in notice.days}
    assert names[datetime.date(2017, 10, 8)] == "中秋节、国庆节"  # a combined holiday keeps both names
    assert names[datetime.date(2017, 1, 2)] == "元旦"  # 补休
    assert names[datetime.date(2017, 9, 30)] == "中秋节、国庆节"


def _seed_working(year: int) -> dict[datetime.date, bool]:
    """Working or not, day by day, on the seeded data set (chinesecalendar 1.11.0)."""
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    kinds = {datetime.date.fromisoformat(d): k for d, k, _ in data["days"]}
    day, out = datetime.date(year, 1, 1), {}
    while day.year == year:
        out[day] = kinds.get(day) == "workday" or (kinds.get(day) != "holiday" and day.weekday() < 5)
        day += datetime.timedelta(days=1)
    return out


@pytest.mark.parametrize(("name", "year"), [("2019-amended.txt", 2019), ("2020-spring-festival-extended.txt", 2020)])
def test_other_years_agree_with_the_seeded_calendar_day_by_day(name, year):
    notice = notice_parse(read(name), year=year)
    kinds = {d.date: d.kind for d in notice.days}
    parsed = {
        day: kinds.get(day) == WORKDAY or (kinds.get(day) != HOLIDAY and day.weekday() < 5)
        for day in _seed_working(year)
    }
    assert parsed == _seed_working(year)


def test_a_range_across_the_year_and_a_make_up_day_in_the_december_before():
    notice = notice_parse(read("2019.txt"))
    assert notice.of_kind(HOLIDAY)[:3] == [
        datetime.date(2018, 12, 30),
        datetime.date(2018, 12, 31),
        datetime.date(2019, 1, 1),
    ]
    assert notice.of_kind(WORKDAY)[0] == datetime.date(2018, 12, 29)
    assert datetime.date(2019, 5, 1) in notice.of_kind(HOLIDAY)
    assert datetime.date(2019, 5, 2) not in notice.of_kind(HOLIDAY)  # the original, before the amendment


HALF_WIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "。": "."})


def test_half_width_punctuation_gives_the_same_days():
    text = read("2026.txt").translate(HALF_WIDTH).replace(".", "。")  # sentences still end with 。
    assert notice_parse(text).days == notice_parse(read("2026.txt")).days


def test_full_width_digits_give_the_same_days():
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    text = read("2025.txt").translate(wide)
    assert notice_parse(text).days == notice_parse(read("2025.txt")).days


def test_a_notice_pasted_on_one_line_gives_the_same_days():
    text = read("2026.txt").replace("\n", "")
    assert notice_parse(text).days == notice_parse(read("2026.txt")).days


@pytest.mark.parametrize(
    ("sentence", "holidays", "workdays"),
    [
        ("一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。1月4日（周一）", "01-01..01-03", ""),
        ("一、元旦：1月1日放假，与周末连休。", "01-01", ""),
        ("一、元旦：1月1日（周五）放假1天，不调休。", "01-01", ""),
        (
            "一、春节：2月10日（星期三）至16日（星期二）放假调休，共7天。2月7日（星期日）、2月20日（星期六）上班。",
            "02-10..02-16",
            "02-07, 02-20",
        ),
        (
            "一、劳动节：4月30日（周五）至5月4日（周二）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。",
            "04-30..05-04",
            "04-25, 05-08",
        ),
        ("一、春节：2月11日（农历除夕、周四）至17日（农历正月初六、周三）放假调休，共7天。", "02-11..02-17", ""),
        ("一、元旦：1月1日放假，1月2日（星期六）、1月3日（星期日）休息。", "01-01..01-03", ""),
        (
            "一、国庆节：10月1日－7日放假调休，共7天。上班日期：9月26日（星期日）、10月9日（星期六）。",
            "10-01..10-07",
            "09-26, 10-09",
        ),
        (
            "一、中秋节、国庆节：10月1日至8日放假调休，共8天。9月26日（周日）、10月9日（周六）补班。",
            "10-01..10-08",
            "09-26, 10-09",
        ),
    ],
    ids=[
        "month-once",
        "with-weekend",
        "no-swap",
        "xingqi",
        "across-months",
        "lunar",
        "rest",
        "dash-and-lead",
        "bu-ban",
    ],
)
def test_shapes_of_the_notices_language(sentence, holidays, workdays):
    notice = notice_parse(f"国务院办公厅关于2021年部分节假日安排的通知\n\n{sentence}\n")
    assert notice.of_kind(HOLIDAY) == dates(2021, holidays)
    assert notice.of_kind(WORKDAY) == (dates(2021, workdays) if workdays else [])


def test_the_preamble_and_the_signature_give_no_day():
    notice = notice_parse(read("2025.txt"))  # "自2025年1月1日起，全体公民放假的假日增加2天", "2024年11月12日"
    assert datetime.date(2024, 11, 12) not in {d.date for d in notice.days}
    assert len(notice.of_kind(HOLIDAY)) == 28


TITLE_2026 = "国务院办公厅关于2026年部分节假日安排的通知"
# (name, text, year asked, code, the sentence quoted)
MALFORMED = [
    (
        "weekday label that does not match",
        read("2026.txt").replace("1月1日（周四）", "1月1日（周五）"),
        None,
        "calendar_weekday_mismatch",
        "一、元旦：1月1日（周五）至3日（周六）放假调休，共3天。",
    ),
    (
        "stated length that does not match",
        read("2026.txt").replace("共7天", "共8天"),
        None,
        "calendar_length_mismatch",
        "七、国庆节：10月1日（周四）至7日（周三）放假调休，共8天。",
    ),
    (
        "make-up working day on a weekday",
        read("2026.txt").replace("5月9日（周六）上班", "5月8日（周五）上班"),
        None,
        "calendar_workday_not_weekend",
        "5月8日（周五）上班。",
    ),
    (
        "a day both holiday and working day",
        read("2026.txt").replace("10月10日（周六）上班", "10月3日（周六）上班"),
        None,
        "calendar_day_conflict",
        "9月20日（周日）、10月3日（周六）上班。",
    ),
    ("year other than the one asked for", read("2026.txt"), 2027, "calendar_year_mismatch", TITLE_2026),
    (
        "a date in another year",
        read("2026.txt").replace("5月1日（周五）至5日（周二）", "2024年5月1日（周三）至5日（周日）"),
        None,
        "calendar_year_mismatch",
        "四、劳动节：2024年5月1日（周三）至5日（周日）放假调休，共5天。",
    ),
    (
        "text with no holiday",
        "关于做好2027年元旦期间值班工作的通知\n请各单位做好值班安排。",
        None,
        "calendar_no_holiday",
        "",
    ),
    ("no year anywhere", "一、元旦：1月1日放假。", None, "calendar_notice_no_year", "一、元旦：1月1日放假。"),
    (
        "a date that does not exist",
        read("2026.txt").replace("2月28日（周六）上班", "2月30日（周六）上班"),
        None,
        "calendar_notice_bad_date",
        "2月14日（周六）、2月30日（周六）上班。",
    ),
    (
        "a day neither holiday nor working day",
        TITLE_2026 + "\n一、元旦：1月1日（周四）放假，1月4日（周日）。",
        None,
        "calendar_notice_ambiguous",
        "一、元旦：1月1日（周四）放假，1月4日（周日）。",
    ),
]


@pytest.mark.parametrize(("name", "text", "year", "code", "quoted"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_notices_are_refused_quoting_the_sentence(name, text, year, code, quoted):
    with pytest.raises(NoticeInvalid) as info:
        notice_parse(text, year=year)
    assert info.value.code == code
    if quoted:
        assert info.value.details["sentence"] == quoted
        assert f"“{quoted}”" in str(info.value.message)


def test_refusals_read_in_chinese_and_english():
    from django.utils import translation

    text = read("2026.txt").replace("共7天", "共8天")
    for language, words in (("en", "The sentence states 8 days but gives 7 holiday days"), ("zh-hans", "8")):
        with translation.override(language), pytest.raises(NoticeInvalid) as info:
            notice_parse(text)
        assert words in str(info.value.message)
    with translation.override("zh-hans"), pytest.raises(NoticeInvalid) as info:
        notice_parse(text)
    assert "天" in str(info.value.message) and "共8天" in str(info.value.message)
