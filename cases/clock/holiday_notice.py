"""Read a State Council holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知) into official days.

Pure: text in, days out; nothing here touches the database. The parser follows the language of the
notices rather than the layout of any one year's file:

- the schedule is in numbered sections, ``一、元旦：…``; the heading names the holiday, or several
  (``中秋节、国庆节``) when they are combined;
- a date is ``[YYYY年][M月]D日`` with an optional bracket of labels (``（周四）``, ``（星期一）``,
  ``（农历除夕、周二）``); a date without its month or year takes them from the date before it in
  the same sentence (``1月1日（周四）至3日（周六）``, ``5月31日至6月2日``);
- what a date is comes from the verb after it: ``放假``, ``补休``, ``调休`` (alone) and ``休息`` make
  holidays; ``上班`` and ``补班`` make make-up working days (``1月26日（周日）、2月8日（周六）上班``);
- ``共N天`` and ``放假N天`` state a length; ``与周末连休`` and ``不调休`` add no day (the weekend
  stays a weekend).

Everything that can be checked is checked, and a failure quotes the sentence it is about
(``check_schedule`` runs the checks that do not need the text, for the seeded years too): a weekday
label that does not match its date, a stated length that does not match, a make-up working day
that is not a Saturday or Sunday, a day both holiday and working day, a year other than the one
asked for, a notice with no holiday at all.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from accounts.errors import InvalidInput
from cases import error_codes

HOLIDAY = "holiday"
WORKDAY = "workday"

_DIGITS = r"[0-9０-９]"
_OPEN, _CLOSE = r"[（(]", r"[）)]"


def _date_pattern(p: str) -> str:
    """A date: optional year and month, the day, then an optional bracket of labels."""
    return (
        rf"(?:(?P<{p}y>{_DIGITS}{{4}})\s*年\s*)?(?:(?P<{p}m>{_DIGITS}{{1,2}})\s*月\s*)?"
        rf"(?P<{p}d>{_DIGITS}{{1,2}})\s*日\s*(?:{_OPEN}(?P<{p}note>[^（()）]{{0,40}}){_CLOSE})?"
    )


_RANGE_SEP = r"\s*(?:至|到|—|–|－|-|~|～|〜)\s*"
_ITEM = re.compile(
    "(?P<date>" + _date_pattern("a") + ")(?:" + _RANGE_SEP + "(?P<end>" + _date_pattern("b") + "))?"
    r"|(?P<length>(?:共|放假)\s*(?P<n>" + _DIGITS + r"{1,3})\s*天)"
    r"|(?P<verb>放假|补休|休息|(?<!不)调休(?!上班)|上班|补班)"
)
_HOLIDAY_VERBS = {"放假", "补休", "休息", "调休"}
_SECTION = re.compile(
    r"(?:^|(?<=[。\n]))[ \t\u3000]*(?P<num>[一二三四五六七八九十]{1,3})\s*[、.．]\s*"
    r"(?P<name>[^：:\n。]{1,40}?)\s*[：:]",
    re.MULTILINE,
)
_SENTENCE_END = re.compile(r"[。；;\n]")
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)\s*([一二三四五六日天])")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_TITLE = re.compile(r"[^\n]*关于[^\n]{0,10}?(?P<year>" + _DIGITS + r"{4})\s*年[^\n]*通知")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{2,12}[〔\[［(（]\s*" + _DIGITS + r"{4}\s*[〕\]］)）]\s*" + _DIGITS + r"{1,4}\s*号"
)
_SIGNED = re.compile(
    r"^\s*(?P<y>" + _DIGITS + r"{4})\s*年\s*(?P<m>" + _DIGITS + r"{1,2})\s*月\s*(?P<d>" + _DIGITS + r"{1,2})\s*日\s*$",
    re.M,
)

MSG_WEEKDAY = _("“%(label)s” is not the weekday of %(date)s (a %(weekday)s), in: “%(sentence)s”")
MSG_LENGTH = _("The sentence states %(stated)s days but gives %(found)s holiday days: “%(sentence)s”")
MSG_WORKDAY_NOT_WEEKEND = _(
    "%(date)s (%(weekday)s) is given as a make-up working day, but only a Saturday or Sunday can be one: “%(sentence)s”"
)
MSG_BOTH = _("%(date)s is given both as a holiday and as a working day: “%(sentence)s”")
MSG_YEAR = _("The notice is about %(found)s, not %(asked)s: “%(sentence)s”")
MSG_OTHER_YEAR = _("%(date)s is outside the notice's year %(year)s: “%(sentence)s”")
MSG_NO_HOLIDAY = _("No holiday was found in this text; paste the notice's full text: “%(sentence)s”")
MSG_NO_YEAR = _("Which year is this notice about? The title names none; choose the year: “%(sentence)s”")
MSG_BAD_DATE = _("%(text)s is not a date: “%(sentence)s”")
MSG_AMBIGUOUS = _("Cannot tell whether %(date)s is a holiday or a working day: “%(sentence)s”")
MSG_RANGE_BACKWARDS = _("The range ends before it starts: “%(sentence)s”")


class NoticeInvalid(InvalidInput):
    """A notice the parser refuses; ``details["sentence"]`` is the sentence it is about."""

    code = error_codes.CALENDAR_NOTICE_INVALID


@dataclass(frozen=True)
class Day:
    date: datetime.date
    kind: str  # HOLIDAY or WORKDAY
    name: str  # the holiday the section is about, as the notice names it
    sentence: str = field(default="", compare=False)


@dataclass
class Notice:
    year: int
    title: str = ""
    doc_number: str = ""
    published_on: datetime.date | None = None
    days: list[Day] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[datetime.date]:
        return [d.date for d in self.days if d.kind == kind]


def _quote(sentence: str) -> str:
    text = " ".join(sentence.split())
    return text if len(text) <= 200 else text[:199] + "…"


def _refuse(message, code: str, sentence: str, **params) -> NoticeInvalid:
    quoted = _quote(sentence)
    return NoticeInvalid(message % {**params, "sentence": quoted}, code=code, sentence=quoted, **params)


def _int(text: str | None) -> int | None:
    return int(text) if text else None  # int() reads full-width digits too


def _date(match: re.Match, p: str, *, year: int, month: int | None, sentence: str) -> datetime.date:
    y = _int(match.group(f"{p}y")) or year
    m = _int(match.group(f"{p}m")) or month
    d = _int(match.group(f"{p}d"))
    try:
        if m is None:
            raise ValueError
        return datetime.date(y, m, d)
    except ValueError:
        raise _refuse(MSG_BAD_DATE, "calendar_notice_bad_date", sentence, text=match.group(0).strip()) from None


def _check_weekday(day: datetime.date, note: str | None, sentence: str) -> None:
    labels = _WEEKDAY.findall(note or "")
    if labels and _WEEKDAYS[labels[-1]] != day.weekday():
        raise _refuse(
            MSG_WEEKDAY,
            "calendar_weekday_mismatch",
            sentence,
            label=f"{note}".strip(),
            date=day.isoformat(),
            weekday=_WEEKDAY_NAMES[day.weekday()],
        )


def _sentence_days(sentence: str, *, year: int, name: str) -> list[Day]:
    """The days one sentence gives, each with the kind of the verb that follows it."""
    days: list[Day] = []
    pending: list[datetime.date] = []
    stated: list[int] = []
    lead_verb = None  # a verb that came before any date: "上班日期：1月26日、2月8日"
    month: int | None = None
    cur_year = year
    for match in _ITEM.finditer(sentence):
        if match.group("date"):
            start = _date(match, "a", year=cur_year, month=month, sentence=sentence)
            _check_weekday(start, match.group("anote"), sentence)
            cur_year, month = start.year, start.month
            run = [start]
            if match.group("end"):
                end = _date(match, "b", year=cur_year, month=month, sentence=sentence)
                if end < start and not match.group("by"):  # 12月30日至1月1日: into the next year
                    end = end.replace(year=end.year + 1)
                if end < start or (end - start).days > 40:
                    raise _refuse(MSG_RANGE_BACKWARDS, "calendar_notice_bad_range", sentence)
                _check_weekday(end, match.group("bnote"), sentence)
                cur_year, month = end.year, end.month
                run = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
            pending.extend(run)
        elif match.group("length"):
            stated.append(int(match.group("n")))
            if match.group("length").startswith("放假") and pending:
                days.extend(Day(d, HOLIDAY, name, sentence) for d in pending)
                pending = []
        else:
            kind = HOLIDAY if match.group("verb") in _HOLIDAY_VERBS else WORKDAY
            if not pending and not days and lead_verb is None:
                lead_verb = kind
            days.extend(Day(d, kind, name, sentence) for d in pending)
            pending = []
    if pending:
        if lead_verb is None and days:
            raise _refuse(MSG_AMBIGUOUS, "calendar_notice_ambiguous", sentence, date=pending[0].isoformat())
        if lead_verb is not None:
            days.extend(Day(d, lead_verb, name, sentence) for d in pending)
        # No verb at all (a signature line, a date in passing): the sentence gives no day.
    holidays = [d for d in days if d.kind == HOLIDAY]
    for n in stated:
        if n != len(holidays):
            raise _refuse(MSG_LENGTH, "calendar_length_mismatch", sentence, stated=n, found=len(holidays))
    return days


def _sentences(body: str) -> list[str]:
    parts, start = [], 0
    for end in _SENTENCE_END.finditer(body):
        parts.append(body[start : end.end()])
        start = end.end()
    parts.append(body[start:])
    return [p.strip() for p in parts if p.strip()]


def _sections(text: str) -> list[tuple[str, str]]:
    """(holiday name, section text) for each numbered section; a section ends at its line's end."""
    heads = list(_SECTION.finditer(text))
    sections = []
    for i, head in enumerate(heads):
        stop = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.start() : stop]
        line_end = body.find("\n", head.end() - head.start())
        if line_end != -1:
            body = body[:line_end]
        sections.append((head.group("name").strip(), body))  # the heading stays: quotes read whole
    return sections


def notice_parse(text: str, *, year: int | None = None) -> Notice:
    """Parse a notice's text into its days; raise ``NoticeInvalid`` quoting the sentence at fault."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    first_line = next((line.strip() for line in text.split("\n") if line.strip()), "")
    title_match = _TITLE.search(text)
    title = title_match.group(0).strip() if title_match else ""
    found_year = int(title_match.group("year")) if title_match else None
    if year is not None and found_year is not None and found_year != year:
        raise _refuse(MSG_YEAR, "calendar_year_mismatch", title, found=found_year, asked=year)
    year = year or found_year
    if year is None:
        raise _refuse(MSG_NO_YEAR, "calendar_notice_no_year", first_line)
    doc = _DOC_NUMBER.search(text)
    signed = list(_SIGNED.finditer(text))
    published_on = None
    if signed:
        last = signed[-1]
        try:
            published_on = datetime.date(int(last.group("y")), int(last.group("m")), int(last.group("d")))
        except ValueError:
            published_on = None
    notice = Notice(year=year, title=title, doc_number=doc.group(0).strip() if doc else "", published_on=published_on)

    sections = _sections(text)
    if not sections:  # a notice about one holiday alone may have no numbered sections
        name = ""
        if title:
            name = re.sub(r".*关于\s*" + _DIGITS + r"{4}\s*年|调休放假|放假|安排|的通知|通知", "", title).strip()
        body = "\n".join(line for line in text.split("\n") if line.strip() and line.strip() != title)
        sections = [(name, body)]
    days: list[Day] = []
    for name, body in sections:
        for sentence in _sentences(body):
            days.extend(_sentence_days(sentence, year=year, name=name))
    for day in days:
        if day.date.year != year and not (day.date.year == year - 1 and day.date.month == 12):
            raise _refuse(MSG_OTHER_YEAR, "calendar_year_mismatch", day.sentence, date=day.date.isoformat(), year=year)
    notice.days = _dedupe(days)
    check_schedule(year=year, days=notice.days, first_line=title or first_line)
    return notice


def _dedupe(days: list[Day]) -> list[Day]:
    seen: dict[tuple, Day] = {}
    for day in days:
        seen.setdefault((day.date, day.kind), day)
    return sorted(seen.values(), key=lambda d: (d.date, d.kind))


def check_schedule(*, year: int, days: list[Day], first_line: str = "") -> None:
    """The checks that need only the days: the notice parser runs them, and so does the seed loader."""
    if not any(d.kind == HOLIDAY for d in days):
        raise _refuse(MSG_NO_HOLIDAY, "calendar_no_holiday", first_line or str(year))
    kinds: dict[datetime.date, Day] = {}
    for day in days:
        if day.kind == WORKDAY and day.date.weekday() < 5:
            raise _refuse(
                MSG_WORKDAY_NOT_WEEKEND,
                "calendar_workday_not_weekend",
                day.sentence or day.name,
                date=day.date.isoformat(),
                weekday=_WEEKDAY_NAMES[day.date.weekday()],
            )
        other = kinds.get(day.date)
        if other is not None and other.kind != day.kind:
            raise _refuse(MSG_BOTH, "calendar_day_conflict", day.sentence or day.name, date=day.date.isoformat())
        kinds[day.date] = day
