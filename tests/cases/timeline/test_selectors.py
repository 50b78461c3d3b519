"""The timeline of an inspection: one axis over every job, consent, filters, keyset pages."""

import datetime

import pytest

from accounts.errors import InvalidInput
from cases.models import ScanObservation
from cases.timeline import selectors, services
from cases.timeline.selectors import TimelineFilters, timeline_page
from tests.cases.timeline.conftest import CONSENT, SHANGHAI


def walk(inspection, filters=None, size=4):
    filters = filters or TimelineFilters()
    items, cursor = [], None
    while True:
        page = timeline_page(inspection=inspection, filters=filters, cursor=cursor, size=size)
        items += page.items
        cursor = page.next_cursor
        if cursor is None:
            return items, page.consent


def test_every_jobs_timed_observations_on_one_axis_in_time_order(timed_inspection):
    items, consent = walk(timed_inspection)
    timed = ScanObservation.objects.filter(job__inspection=timed_inspection, at__isnull=False).count()
    assert len(items) == timed and len({i.id for i in items}) == timed
    keys = [(i.at, i.job_id, i.seq) for i in items]
    assert keys == sorted(keys)
    assert {i.tool for i in items} == {"privacysentry", "har", "zeek"}
    # The hook tool's marker is the consent, in the middle of the axis.
    assert consent.source == "marker" and consent.at == CONSENT
    marker = next(i for i in items if i.is_consent)
    assert marker.kind == "consent_marker"
    before = [i for i in items if i.before_consent]
    after = [i for i in items if i.before_consent is False]
    assert before and after
    assert all(i.at < CONSENT for i in before) and all(i.at >= CONSENT for i in after)


def test_items_link_the_finding_they_support(timed_inspection):
    items, _ = walk(timed_inspection, size=100)
    linked = [i for i in items if i.finding_id]
    assert linked and all(i.finding_title and i.finding_status == "candidate" for i in linked)


def test_filters_kind_party_consent_and_window(timed_inspection):
    calls, _ = walk(timed_inspection, TimelineFilters(kind="privacy_api_call"))
    assert {i.kind for i in calls} == {"privacy_api_call"} and len(calls) == 5
    umeng, _ = walk(timed_inspection, TimelineFilters(party="alog.umeng.com"))
    assert umeng and {i.party for i in umeng} == {"alog.umeng.com"}
    before, _ = walk(timed_inspection, TimelineFilters(consent="before"))
    after, _ = walk(timed_inspection, TimelineFilters(consent="after"))
    everything, _ = walk(timed_inspection)
    assert len(before) + len(after) == len(everything)
    assert all(i.before_consent for i in before) and not any(i.before_consent for i in after)
    start = datetime.datetime(2025, 3, 1, 9, 0, 1, tzinfo=SHANGHAI)
    end = datetime.datetime(2025, 3, 1, 9, 0, 2, tzinfo=SHANGHAI)
    window, _ = walk(timed_inspection, TimelineFilters(start=start, end=end))
    assert window and all(start <= i.at < end for i in window)


def test_a_marked_consent_overrides_the_marker(timed_inspection, inspector):
    moment = datetime.datetime(2025, 3, 1, 9, 0, 1, 400000, tzinfo=SHANGHAI)
    services.inspection_consent_mark(actor=inspector, inspection=timed_inspection, at=moment)
    timed_inspection.refresh_from_db()
    items, consent = walk(timed_inspection)
    assert consent.source == "manual" and consent.at == moment
    assert not any(i.is_consent for i in items)
    assert all(i.before_consent == (i.at < moment) for i in items)
    services.inspection_consent_mark(actor=inspector, inspection=timed_inspection, at=None)
    timed_inspection.refresh_from_db()
    assert walk(timed_inspection)[1].source == "marker"


def test_bad_cursor_and_window_are_refused(timed_inspection):
    with pytest.raises(InvalidInput):
        timeline_page(inspection=timed_inspection, filters=TimelineFilters(), cursor="not-a-cursor")
    with pytest.raises(InvalidInput):
        selectors.timeline_filters({"from": "2025-03-01T09:00:02+08:00", "to": "2025-03-01T09:00:01+08:00"})
    with pytest.raises(InvalidInput):
        selectors.timeline_filters({"from": "soon"})


def test_no_consent_known_refuses_the_consent_filter(inspection_factory):
    with pytest.raises(InvalidInput):
        timeline_page(inspection=inspection_factory(), filters=TimelineFilters(consent="before"))


def test_static_facts_stand_beside_the_axis(timed_inspection, inspector):
    from tests.cases.timeline.conftest import ingest

    ingest(inspector, timed_inspection, "mobsf_android_4x.json")
    jobs = selectors.timeline_jobs(inspection=timed_inspection)
    facts = selectors.timeline_static_facts(jobs=jobs)
    assert [f["job"].tool for f in facts] == ["mobsf"]
    assert facts[0]["kinds"]


def test_cite_window_needs_a_confirmed_finding(timed_inspection, reviewer, finding_factory):
    from accounts.errors import Conflict
    from cases.models import FindingStatus

    finding = finding_factory(inspection=timed_inspection)
    start = datetime.datetime(2025, 3, 1, 9, 0, 0, tzinfo=SHANGHAI)
    end = datetime.datetime(2025, 3, 1, 9, 0, 6, tzinfo=SHANGHAI)
    with pytest.raises(Conflict):
        services.finding_cite_window(actor=reviewer, finding=finding, start=start, end=end)
    finding.status = FindingStatus.CONFIRMED
    finding.save()
    with pytest.raises(InvalidInput):
        services.finding_cite_window(actor=reviewer, finding=finding, start=end, end=start)
    citation = services.finding_cite_window(actor=reviewer, finding=finding, start=start, end=end, note="启动即收集")
    annex = selectors.timeline_annex(finding_ids=[finding.pk])[finding.pk]
    assert citation.cited_by == reviewer
    assert annex[0]["start"] == "2025-03-01 09:00:00" and annex[0]["end"] == "2025-03-01 09:00:06"
    rows = annex[0]["rows"]
    assert annex[0]["total"] == len(rows) > 5
    assert {row[3] for row in rows} == {"同意前", "同意时刻", "同意后"}
    assert ["2025-03-01 09:00:03.000", "点击隐私协议确认"] == rows[[r[3] for r in rows].index("同意时刻")][:2]
