"""The working-day clock on the seeded official calendar, and its API endpoint."""

import datetime
import random

import holidays
import pytest

from cases.clock import calendar
from cases.clock.calendar import UnknownCalendarYear, add_working_days, is_working_day, working_days_between
from cases.error_codes import CALENDAR_YEAR_UNKNOWN
from cases.models import CalendarYear, DayKind, OfficialDay

D = datetime.date
URL = "/api/v1/calendar/deadline/"

pytestmark = pytest.mark.django_db

# (start, working days, deadline, why)
KNOWN = [
    (D(2025, 9, 26), 5, D(2025, 10, 10), "National Day 2025: make-up Sunday 09-28 counts, 10-01..08 off"),
    (D(2025, 1, 27), 1, D(2025, 2, 5), "Spring Festival 2025: 01-28..02-04 off"),
    (D(2025, 1, 24), 1, D(2025, 1, 26), "Spring Festival 2025: make-up Sunday 01-26 counts"),
    (D(2025, 1, 24), 2, D(2025, 1, 27), "Spring Festival 2025: Sunday 01-26, then Monday 01-27"),
    (D(2025, 2, 7), 1, D(2025, 2, 8), "Spring Festival 2025: make-up Saturday 02-08 counts"),
    (D(2026, 2, 13), 1, D(2026, 2, 14), "Spring Festival 2026: make-up Saturday 02-14 counts"),
    (D(2026, 2, 14), 1, D(2026, 2, 24), "Spring Festival 2026: 02-15..23 off"),
    (D(2026, 2, 13), 2, D(2026, 2, 24), "Spring Festival 2026: across the holiday"),
    (D(2026, 2, 27), 1, D(2026, 2, 28), "Spring Festival 2026: make-up Saturday 02-28 counts"),
    (D(2025, 9, 30), 1, D(2025, 10, 9), "National Day 2025: 10-01..08 off"),
    (D(2025, 10, 10), 1, D(2025, 10, 11), "National Day 2025: make-up Saturday 10-11 counts"),
    (D(2026, 9, 18), 1, D(2026, 9, 20), "National Day 2026: make-up Sunday 09-20 counts"),
    (D(2026, 9, 30), 1, D(2026, 10, 8), "National Day 2026: 10-01..07 off"),
    (D(2026, 10, 9), 1, D(2026, 10, 10), "National Day 2026: make-up Saturday 10-10 counts"),
    (D(2026, 9, 30), 3, D(2026, 10, 10), "National Day 2026: 10-08, 10-09, make-up 10-10"),
]


@pytest.mark.parametrize(("start", "n", "deadline", "why"), KNOWN, ids=[k[3] for k in KNOWN])
def test_add_working_days(start, n, deadline, why):
    assert add_working_days(start, n) == deadline


def test_zero_working_days_is_the_start_itself():
    assert add_working_days(D(2025, 10, 1), 0) == D(2025, 10, 1)


def test_make_up_days_are_working_days_and_holidays_are_not():
    assert is_working_day(D(2025, 1, 26)) is True  # Sunday, make-up
    assert is_working_day(D(2026, 2, 14)) is True  # Saturday, make-up
    assert is_working_day(D(2026, 9, 20)) is True
    assert is_working_day(D(2026, 10, 10)) is True
    assert is_working_day(D(2025, 10, 8)) is False  # Wednesday, holiday
    assert is_working_day(D(2026, 2, 16)) is False  # Monday, holiday
    assert is_working_day(D(2025, 10, 12)) is False  # ordinary Sunday


def test_counting_into_2027_raises():
    with pytest.raises(UnknownCalendarYear) as info:
        add_working_days(D(2026, 12, 28), 5)
    assert info.value.code == CALENDAR_YEAR_UNKNOWN
    assert info.value.details == {"year": 2027}
    assert "2027" in str(info.value.message)


def test_a_start_in_an_unknown_year_raises():
    with pytest.raises(UnknownCalendarYear):
        add_working_days(D(2027, 3, 1), 0)


def test_working_days_between_is_the_inverse_of_adding():
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 10)) == 5
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert working_days_between(D(2025, 10, 10), D(2025, 9, 26)) == -5


def test_an_admin_edit_of_the_calendar_is_used_at_once():
    """The table is the truth: a day added by an administrator changes the next count."""
    OfficialDay.objects.update_or_create(date=D(2025, 10, 13), defaults={"kind": DayKind.HOLIDAY, "name": "test"})
    assert add_working_days(D(2025, 10, 10), 1) == D(2025, 10, 11)
    assert add_working_days(D(2025, 10, 11), 1) == D(2025, 10, 14)


def test_a_year_entered_by_an_administrator_becomes_known():
    CalendarYear.objects.create(year=2027, source="test")
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)  # no holidays entered: a plain Friday


@pytest.mark.parametrize("year", [2025, 2026])
def test_seeded_table_agrees_with_the_holidays_package(year):
    """Cross-check the seed (from chinesecalendar) against an independent source, day by day."""
    reference = holidays.country_holidays("CN", years=[year])
    seeded = calendar.Calendar()  # the table as add_working_days reads it, loaded once
    day, disagreements = D(year, 1, 1), []
    while day.year == year:
        if reference.is_working_day(day) != seeded.is_working_day(day):
            disagreements.append(day.isoformat())
        day += datetime.timedelta(days=1)
    assert disagreements == []


# The endpoint


@pytest.fixture
def client_as(api_client, inspector):
    api_client.force_authenticate(inspector)
    return api_client


@pytest.mark.parametrize(("start", "n", "deadline", "why"), KNOWN, ids=[k[3] for k in KNOWN])
def test_endpoint_answers_the_deadline(client_as, start, n, deadline, why):
    response = client_as.get(URL, {"start": start.isoformat(), "working_days": n})
    assert response.status_code == 200
    assert response.json() == {"deadline": deadline.isoformat()}


def test_endpoint_is_open_to_vendor_users(api_client, vendor_user):
    api_client.force_authenticate(vendor_user)
    response = api_client.get(URL, {"start": "2025-09-26", "working_days": "5"})
    assert response.json() == {"deadline": "2025-10-10"}


def test_endpoint_needs_a_signed_in_user(api_client):
    response = api_client.get(URL, {"start": "2025-09-26", "working_days": "5"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_endpoint_unknown_year_is_400_with_a_message(client_as):
    response = client_as.get(URL, {"start": "2026-12-28", "working_days": "5"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == CALENDAR_YEAR_UNKNOWN
    assert error["details"] == {"year": 2027}
    assert error["message"].startswith("The official calendar for 2027 is not known yet")


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"start": "2025-09-26", "working_days": "five"}, "working_days", "invalid"),
        ({"start": "2025-09-26", "working_days": "1.5"}, "working_days", "invalid"),
        ({"start": "2025-09-26", "working_days": "-1"}, "working_days", "min_value"),
        ({"start": "2025-09-26", "working_days": "367"}, "working_days", "max_value"),
        ({"start": "2025-09-26"}, "working_days", "required"),
        ({"working_days": "5"}, "start", "required"),
        ({"start": "2025-13-01", "working_days": "5"}, "start", "invalid"),
        ({"start": "26/09/2025", "working_days": "5"}, "start", "invalid"),
        ({"start": "2025-09-26T10:00", "working_days": "5"}, "start", "invalid"),
    ],
)
def test_endpoint_bad_arguments_are_400(client_as, params, field, code):
    response = client_as.get(URL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "Invalid input."
    assert [e["code"] for e in error["details"][field]] == [code]
    assert error["details"][field][0]["message"]


@pytest.fixture
def shared_cache(settings):
    """As with CACHE_URL (Redis, shared by the processes); the tests' memory cache stands in for it."""
    from django.core.cache import cache

    settings.CACHE_URL = "redis://cache.example.test:6379/1"
    cache.clear()
    yield
    cache.clear()


def test_known_years_come_from_the_shared_cache_and_a_saved_year_is_seen_at_once(
    shared_cache, django_assert_num_queries
):
    """Every regulator page's banner asks for the known years (issue 14): one query, then none
    until a year is saved or deleted."""
    first = calendar.known_years()
    with django_assert_num_queries(0):
        assert calendar.known_years() == first

    new_year = max(first) + 1
    CalendarYear.objects.create(year=new_year, source="test")
    assert new_year in calendar.known_years()

    CalendarYear.objects.filter(year=new_year).delete()
    assert new_year not in calendar.known_years()


def test_without_a_shared_cache_known_years_are_read_each_time(settings, django_assert_num_queries):
    settings.CACHE_URL = ""
    calendar.known_years()
    with django_assert_num_queries(1):
        calendar.known_years()


def _walked(cal, start, end):
    """The day-by-day count ``working_days_between`` replaced (issue 14): the reference."""
    if end < start:
        return -_walked(cal, end, start)
    cal.check(start)
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += cal.is_working_day(day)
    return count


def test_working_days_between_counts_what_walking_the_days_counts():
    cal = calendar.Calendar()
    rng = random.Random(14)
    years = sorted(cal.years)
    first, last = D(years[0], 1, 1), D(years[-1], 12, 31)
    spans = [(D(2025, 9, 26), D(2025, 10, 10)), (D(2026, 2, 13), D(2026, 2, 14)), (D(2025, 1, 1), D(2025, 1, 1))]
    for _ in range(400):
        start = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
        spans.append((start, min(last, start + datetime.timedelta(days=rng.choice([1, 3, 6, 7, 8, 30, 400, 1500])))))
    for start, end in spans:
        assert cal.working_days_between(start, end) == _walked(cal, start, end), (start, end)
        assert cal.working_days_between(end, start) == _walked(cal, end, start), (end, start)


def test_working_days_between_names_the_first_unknown_year_as_walking_did():
    cal = calendar.Calendar(years={2025, 2027}, kinds={})
    with pytest.raises(UnknownCalendarYear) as error:
        cal.working_days_between(D(2025, 12, 1), D(2027, 1, 5))
    assert error.value.details == {"year": 2026}
