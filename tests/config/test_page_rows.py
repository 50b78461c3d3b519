"""config.page_rows: the per-row shortcuts give exactly what ``reverse()`` and ``accounts/_name.html`` give."""

import datetime

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse, set_script_prefix
from django.utils import translation

from cases.models import CaseStatus
from config.page_rows import choice_label, object_url
from notices.models import Notice, NoticeKind, NoticeStatus
from tests.factories import CampaignFactory, CaseFactory, VendorFactory

VIEWS = [
    "case-detail",
    "inspection-detail",
    "vendor-detail",
    "decisions:case",
    "decisions:response",
    "decisions:extension",
    "portal:case",
    "notices:regulator-detail",
]


@pytest.mark.parametrize("viewname", VIEWS)
@pytest.mark.parametrize("pk", [1, 7, 42, 8675309175, 12345678901])
def test_object_url_is_reverse(viewname, pk):
    assert object_url(viewname, pk) == reverse(viewname, args=[pk])


def test_object_url_follows_the_script_prefix():
    try:
        set_script_prefix("/rectify/")
        assert object_url("case-detail", 5) == reverse("case-detail", args=[5]) == "/rectify/cases/5/"
    finally:
        set_script_prefix("/")
    assert object_url("case-detail", 5) == "/cases/5/"


def test_object_url_of_a_value_that_is_no_int_asks_reverse():
    assert object_url("case-detail", "5") == reverse("case-detail", args=["5"])


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_local_name_is_the_name_template(language):
    with_english = VendorFactory(name="晴川<网络>", name_en="Qingchuan & Co")
    chinese_only = CampaignFactory(name="专项行动", name_en="")
    filtered = Template("{% load rows %}{{ obj|local_name }}")
    expected = {
        "zh-hans": ["晴川&lt;网络&gt;", "专项行动", ""],
        "en": ["Qingchuan &amp; Co", "专项行动", ""],
    }[language]
    with translation.override(language):
        for obj, shown in zip((with_english, chinese_only, None), expected, strict=True):
            included = render_to_string("accounts/_name.html", {"obj": obj, "LANGUAGE_CODE": language})
            assert included.strip() == filtered.render(Context({"obj": obj})) == shown


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choice_label_is_get_display(language):
    case = CaseFactory()
    notice = Notice(kind=NoticeKind.NAMING, status=NoticeStatus.DRAFT)
    with translation.override(language):
        for status in [*CaseStatus.values, "not-a-state"]:
            case.status = status
            assert choice_label(case, "status") == case.get_status_display()
        assert choice_label(case.product, "kind") == case.product.get_kind_display()
        assert choice_label(notice, "kind") == notice.get_kind_display()
        assert choice_label(notice, "status") == notice.get_status_display()
        shown = Template('{% load rows %}{{ case|display:"status" }}').render(Context({"case": case}))
        assert shown == Template("{{ case.get_status_display }}").render(Context({"case": case}))


def test_object_url_follows_the_url_configuration(settings):
    assert object_url("case-detail", 5) == "/cases/5/"
    settings.ROOT_URLCONF = "tests.config.rows_urls"
    assert object_url("case-detail", 5) == reverse("case-detail", args=[5]) == "/elsewhere/5/"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        datetime.date(2026, 1, 5),
        datetime.date(999, 12, 31),
        # 16:30 UTC is 00:30 the next day in Shanghai: both filters show the local day.
        datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 1, 1, 5, tzinfo=datetime.UTC),
    ],
)
def test_iso_day_and_minute_are_the_date_filter(value):
    for ours, django in (("iso_day", 'date:"Y-m-d"'), ("iso_minute", 'date:"Y-m-d H:i"')):
        if ours == "iso_minute" and isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            continue  # a day has no minute ("date" would print 00:00; iso_minute is for datetimes)
        mine = Template("{% load rows %}{{ v|" + ours + ' }}|{{ v|default:"—"|' + ours + " }}").render(
            Context({"v": value})
        )
        theirs = Template("{{ v|" + django + ' }}|{{ v|default:"—"|' + django + " }}").render(Context({"v": value}))
        assert mine == theirs
