"""The time and party of an observation (pure), and what the ingest stores of them."""

import datetime

from cases.models import ScanObservation
from cases.timeline.stamps import observation_party, observation_time, stack_sdk
from tests.cases.timeline.conftest import CONSENT, SHANGHAI

UTC = datetime.UTC


def test_privacysentry_time_takes_the_inspection_year_and_the_regulators_zone():
    at = observation_time("privacy_api_call", {"time": "03-01 09:00:00.900"}, year=2025, zone="Asia/Shanghai")
    assert at == datetime.datetime(2025, 3, 1, 1, 0, 0, 900000, tzinfo=UTC)
    assert observation_time("privacy_api_call", {"time": "03-01 09:00:00.900"}, year=None, zone="UTC") is None
    assert observation_time("privacy_api_call", {"time": "02-30 09:00:00"}, year=2025, zone="UTC") is None
    assert observation_time("privacy_api_call", {"time": None}, year=2025, zone="UTC") is None


def test_har_started_and_zeek_ts():
    har = observation_time("http_request", {"started": "2025-03-01T09:00:01.000+08:00"}, year=None, zone="UTC")
    assert har == datetime.datetime(2025, 3, 1, 9, 0, 1, tzinfo=SHANGHAI)
    assert observation_time("http_request", {"started": "yesterday"}, year=None, zone="UTC") is None
    zeek = observation_time("conn", {"ts": 1740790800.123456}, year=None, zone="UTC")
    assert zeek == datetime.datetime.fromtimestamp(1740790800.123456, UTC)
    assert observation_time("conn", {"ts": float("nan")}, year=None, zone="UTC") is None
    assert observation_time("conn", {"ts": True}, year=None, zone="UTC") is None
    assert observation_time("permission", {"name": "CAMERA"}, year=2025, zone="UTC") is None


def test_party_is_the_first_non_platform_frame_or_the_host():
    stack = (
        "dalvik.system.VMStack.getThreadStackTrace() -2 <- \n"
        "com.yl.lib.sentry.hook.util.PrivacyUtil$Util.getStackTrace() 14 <- \n"
        "com.umeng.commonsdk.statistics.idtracking.ImeiTracker.getImei() 3 <- \n"
        "cn.example.App.onCreate() 12"
    )
    assert stack_sdk(stack) == "com.umeng.commonsdk"
    assert observation_party("privacy_api_call", {"stack": stack}) == "com.umeng.commonsdk"
    assert observation_party("http_request", {"host": "ALOG.umeng.com"}) == "alog.umeng.com"
    assert observation_party("conn", {"resp_h": "47.96.1.2"}) == "47.96.1.2"
    assert observation_party("permission", {"name": "CAMERA"}) == ""


def test_ingest_stores_time_party_and_the_finding_each_observation_fed(timed_inspection):
    rows = ScanObservation.objects.filter(job__inspection=timed_inspection)
    calls = rows.filter(kind="privacy_api_call")
    assert calls.count() == 5 and not calls.filter(at__isnull=True).exists()
    assert set(calls.values_list("party", flat=True)) == {"cn.example"}
    marker = rows.get(kind="consent_marker")
    assert marker.at == CONSENT
    requests = rows.filter(kind="http_request").order_by("at")
    assert requests[0].at == datetime.datetime(2025, 3, 1, 9, 0, 0, tzinfo=SHANGHAI)
    assert "alog.umeng.com" in set(requests.values_list("party", flat=True))
    # Every observation that fed a saved candidate points at it; none points elsewhere.
    mapped = rows.filter(mapped=True)
    assert mapped.exists()
    assert not mapped.filter(finding__isnull=True).exists()
    assert not rows.filter(mapped=False, finding__isnull=False).exists()
    fed = {row.finding.inspection_id for row in mapped.select_related("finding")}
    assert fed == {timed_inspection.pk}
    # The meta rows and static kinds carry no time.
    assert not rows.filter(kind="capture_meta", at__isnull=False).exists()
