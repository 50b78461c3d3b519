import io
import json

import pytest

from cases.scanners import ScanError, detect_candidates, parse
from tests.conftest import corpus_path

from .conftest import FIXTURES, codes, of_kind, read


def by_locus(observations):
    return {observation.locus: observation for observation in observations}


@pytest.mark.corpus
def test_knablibom_android_3_1_6_many_findings():
    observations = read(corpus_path("mobsf", "dd_knablibom_mobsf-3.1.6_android.json"))
    permissions = of_kind(observations, "permission")
    assert len(permissions) == 29
    assert sum(1 for p in permissions if p.attributes["status"] == "dangerous") == 21
    assert by_locus(permissions)["permission:android.permission.READ_CONTACTS"].attributes["status"] == "dangerous"
    (tracker,) = of_kind(observations, "tracker")
    assert tracker.attributes["name"] == "Google Firebase Analytics"
    assert tracker.attributes["exodus_id"] == 49
    assert tracker.attributes["categories"] == ["Analytics"]
    assert len(of_kind(observations, "url")) == 82
    assert len(of_kind(observations, "code_finding")) == 14
    assert len(of_kind(observations, "manifest_finding")) == 7
    assert len(of_kind(observations, "api_usage")) == 32
    assert len(of_kind(observations, "certificate_finding")) == 2
    (firebase,) = of_kind(observations, "firebase_url")
    assert firebase.attributes == {"url": "https://knablibom-ed55d.firebaseio.com", "open": False}
    (meta,) = of_kind(observations, "app_meta")
    assert meta.attributes["package"] == "iv.lic"
    assert meta.attributes["version_name"] == "2.14.0-R2.5"
    assert meta.attributes["version_code"] == "1434"
    assert meta.attributes["sha256"] == "69d46d0dceb6f6708ef0d78a3a5dbd123909f99c893e14519c3dae55432a05c9"
    assert meta.attributes["security_score"] == 10
    assert meta.attributes["privacy_policy_url"] is None
    assert meta.attributes["privacy_policy_searched"] == ["app URLs"]

    candidates = {c.locus: c for c in detect_candidates(observations)}
    assert candidates["permission:android.permission.READ_CONTACTS"].violation_code == "PM-02"
    assert candidates["permission:android.permission.ACCESS_FINE_LOCATION"].violation_code == "PM-02"
    assert candidates["permission:android.permission.READ_PHONE_STATE"].violation_code == "PM-01"
    assert candidates["permission:android.permission.RECORD_AUDIO"].violation_code == "PM-01"
    # MobSF 3.1.6 calls INTERNET "dangerous"; the rule does not.
    assert "permission:android.permission.INTERNET" not in candidates
    assert candidates["tracker:49"].violation_code == "PI-03"
    assert candidates["privacy-policy:missing"].violation_code == "PI-05"
    assert codes(observations) == {"PM-02": 3, "PM-01": 3, "PI-03": 1, "PI-05": 1}


@pytest.mark.corpus
def test_diva_android_3_1_9_list_shaped_manifest():
    observations = read(corpus_path("mobsf", "dd_diva_mobsf-3.1.9_report1.json"))
    assert [p.attributes["name"] for p in of_kind(observations, "permission")] == [
        "android.permission.WRITE_EXTERNAL_STORAGE",
        "android.permission.READ_EXTERNAL_STORAGE",
        "android.permission.INTERNET",
    ]
    manifest = of_kind(observations, "manifest_finding")
    assert len(manifest) == 5
    assert manifest[0].attributes["title"] == "Debug Enabled For App [android:debuggable=true]"
    assert manifest[0].attributes["severity"] == "high"
    assert [o.attributes["rule"] for o in of_kind(observations, "code_finding")] == [
        "android_logging",
        "android_sql_raw_query",
        "android_read_write_external",
        "android_temp_file",
    ]
    assert [o.attributes["host"] for o in of_kind(observations, "domain")] == ["payatu.com"]
    (meta,) = of_kind(observations, "app_meta")
    assert meta.attributes["package"] == "jakhar.aseem.diva"
    assert meta.attributes["scanner_version"] == "v3.1.9 Beta"
    assert meta.attributes["platform"] == "android"
    assert codes(observations) == {"PI-05": 1}


@pytest.mark.corpus
def test_bitbar_ios_3_7_9():
    observations = read(corpus_path("mobsf", "dd_bitbar-ios_mobsf-3.7.9.json"))
    assert of_kind(observations, "permission") == []
    assert of_kind(observations, "tracker") == []
    assert sorted(o.attributes["host"] for o in of_kind(observations, "domain")) == [
        "developer.apple.com",
        "www.apple.com",
    ]
    assert len(of_kind(observations, "url")) == 11
    (meta,) = of_kind(observations, "app_meta")
    assert meta.attributes["platform"] == "ios"
    assert meta.attributes["package"] == "com.bitbar.testdroid.BitbarIOSSample"
    assert meta.attributes["timestamp"] is None


@pytest.mark.corpus
def test_mobsfscan_many_findings():
    observations = read(corpus_path("mobsf", "dd_mobsfscan-0.0.6_many_findings.json"))
    findings = of_kind(observations, "code_finding")
    assert len(findings) == 7
    hardcoded = [f for f in findings if f.attributes["rule"] == "android_kotlin_hardcoded"]
    assert len(hardcoded) == 1
    assert hardcoded[0].attributes["file"] == "app/src/main/java/com/routes/domain/analytics/event/Signatures.kt"
    assert hardcoded[0].attributes["lines"] == [10, 10]
    assert hardcoded[0].attributes["severity"] == "WARNING"
    # Six "missing best practice" rules have no files at all.
    assert sum(1 for f in findings if f.attributes["file"] is None) == 6
    (meta,) = of_kind(observations, "scan_meta")
    assert meta.attributes == {"scanner": "mobsfscan", "scanner_version": "0.0.6"}
    assert codes(observations) == {}


@pytest.mark.corpus
def test_mobsfscan_no_findings():
    observations = read(corpus_path("mobsf", "dd_mobsfscan-0.0.6_no_findings.json"))
    assert [o.kind for o in observations] == ["scan_meta"]


def test_android_4x_shapes():
    observations = read(FIXTURES / "mobsf_android_4x.json")
    trackers = {o.attributes["name"]: o for o in of_kind(observations, "tracker")}
    assert trackers["Google Firebase Analytics"].attributes["categories"] == ["Analytics"]
    assert trackers["Sentry"].attributes["exodus_id"] == 447
    (manifest,) = of_kind(observations, "manifest_finding")
    assert manifest.attributes["rule"] == "app_allowbackup"
    assert manifest.attributes["title"] == "Application Data can be Backed up [android:allowBackup=true]"
    (code,) = of_kind(observations, "code_finding")
    assert code.attributes["files"] == [{"path": "cn/example/weather/Log.java", "lines": "12,30"}]
    (certificate,) = of_kind(observations, "certificate_finding")
    assert certificate.attributes["title"] == "Signed Application"
    (meta,) = of_kind(observations, "app_meta")
    assert meta.attributes["app_name"] == "天气助手"
    assert meta.attributes["privacy_policy_url"] == "https://www.example-weather.cn/privacy.html"
    assert meta.attributes["privacy_policy_source"] == "app URLs"
    candidates = {c.locus: c.violation_code for c in detect_candidates(observations)}
    assert candidates == {
        "permission:android.permission.READ_CONTACTS": "PM-02",
        "permission:android.permission.ACCESS_FINE_LOCATION": "PM-02",
        "permission:android.permission.READ_SMS": "PM-01",
        # Sentry is crash reporting only: no PI-03.
        "tracker:49": "PI-03",
    }


def test_ios_3_1_permission_list():
    observations = read(FIXTURES / "mobsf_ios_31.json")
    names = [o.attributes["name"] for o in of_kind(observations, "permission")]
    assert names == ["NSLocationWhenInUseUsageDescription", "NSCameraUsageDescription", "NSFaceIDUsageDescription"]
    assert of_kind(observations, "permission")[0].attributes["info"] == "用于显示附近门店"
    candidates = {c.locus: c.violation_code for c in detect_candidates(observations)}
    assert candidates == {
        "permission:NSLocationWhenInUseUsageDescription": "PM-02",
        "permission:NSCameraUsageDescription": "PM-01",
    }


def test_scorecard():
    observations = read(FIXTURES / "mobsf_scorecard.json")
    items = of_kind(observations, "scorecard_item")
    assert [(i.attributes["level"], i.attributes["section"]) for i in items] == [
        ("high", "code"),
        ("warning", "permissions"),
        ("hotspot", "files"),
    ]
    (meta,) = of_kind(observations, "app_meta")
    assert meta.attributes["scanner"] == "mobsf scorecard"
    assert meta.attributes["md5"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    assert meta.attributes["security_score"] == 35


def test_mobsfscan_fixture_one_observation_per_file():
    observations = read(FIXTURES / "mobsfscan.json")
    loci = [o.locus for o in observations]
    assert loci == [
        "code:android_ssl_pinning",
        "code:android_hardcoded:app/src/main/java/cn/example/Keys.java:8",
        "code:android_hardcoded:app/src/main/java/cn/example/Api.java:21",
        "scan",
    ]


def test_overflowing_numbers_are_refused():
    document = b'{"app_type": "apk", "md5": "x", "package_name": "p", "security_score": 1e999}'
    with pytest.raises(ScanError) as caught:
        list(parse(io.BytesIO(document)))
    assert caught.value.reason == "invalid JSON at line 1, column 77 (byte 76): numeric (floating point) overflow"


# Scorecard summaries → candidates marked from_summary (issue 12, deliverable 6).


def _summary_candidates(observations, kind="app"):
    from cases.scanners import ScanContext

    return {c.locus: c for c in detect_candidates(observations, context=ScanContext(product_kind=kind))}


def test_scorecard_4_2_9_summaries_give_candidates():
    observations = read(FIXTURES / "mobsf_scorecard_4.2.9.json")
    assert len(of_kind(observations, "scorecard_item")) == 8
    (meta,) = of_kind(observations, "app_meta")
    assert (meta.attributes["scanner"], meta.attributes["scanner_version"]) == ("mobsf scorecard", "v4.2.9")
    found = _summary_candidates(observations)
    assert {locus: c.violation_code for locus, c in found.items()} == {
        "scorecard:trackers": "PI-03",
        "scorecard:permissions": "PM-01",
    }
    trackers = found["scorecard:trackers"]
    assert trackers.rule == "mobsf.scorecard_summary"
    assert trackers.title == "应用集成第三方跟踪器（MobSF评分卡摘要）：7个"
    assert trackers.evidence["from_summary"] is True
    assert (trackers.evidence["trackers"], trackers.evidence["level"]) == (7, "high")
    permissions = found["scorecard:permissions"]
    assert permissions.title == "申请6项危险权限（MobSF评分卡摘要）"
    assert permissions.evidence["from_summary"] is True
    assert permissions.evidence["critical_permissions"] == 6
    assert len(permissions.evidence["permissions"]) == 6
    # Storage is listed by MobSF but left out by the permission table.
    assert permissions.evidence["codes"] == {
        "android.permission.READ_PHONE_STATE": "PM-01",
        "android.permission.ACCESS_FINE_LOCATION": "PM-02",
        "android.permission.ACCESS_COARSE_LOCATION": "PM-02",
        "android.permission.CAMERA": "PM-01",
    }


def test_scorecard_summaries_follow_the_product_kind():
    observations = read(FIXTURES / "mobsf_scorecard_4.2.9.json")
    sdk = _summary_candidates(observations, "sdk")
    assert {locus: c.violation_code for locus, c in sdk.items()} == {
        "scorecard:trackers": "SDK-01",
        "scorecard:permissions": "PM-01",
    }
    assert sdk["scorecard:trackers"].title == "SDK集成第三方跟踪器（MobSF评分卡摘要）：7个"
    # PM codes never apply to a terminal.
    assert list(_summary_candidates(observations, "terminal")) == ["scorecard:trackers"]


def test_older_scorecard_fixture_critical_permissions():
    found = _summary_candidates(read(FIXTURES / "mobsf_scorecard.json"))
    assert {locus: c.violation_code for locus, c in found.items()} == {"scorecard:permissions": "PM-01"}
    assert found["scorecard:permissions"].evidence["permissions"] == ["android.permission.READ_CONTACTS"]


def _report_with_appsec(appsec):
    document = json.loads((FIXTURES / "mobsf_android_4x.json").read_text("utf-8"))
    document["appsec"] = appsec
    return list(parse(io.BytesIO(json.dumps(document).encode()), filename="report.json"))


def test_embedded_appsec_is_read_but_the_detailed_sections_decide():
    scorecard = json.loads((FIXTURES / "mobsf_scorecard_4.2.9.json").read_text("utf-8"))
    observations = _report_with_appsec({level: scorecard[level] for level in ("high", "hotspot", "secure")})
    assert len(of_kind(observations, "scorecard_item")) == 5
    found = _summary_candidates(observations)
    # The report lists its permissions and trackers: their rules judge each one, no summary candidate.
    without = _summary_candidates(read(FIXTURES / "mobsf_android_4x.json"))
    assert {locus: c.violation_code for locus, c in found.items()} == {
        locus: c.violation_code for locus, c in without.items()
    }
    assert not [locus for locus in found if locus.startswith("scorecard:")]


def test_summary_without_detailed_section_and_of_left_out_permissions():
    storage = {
        "title": "Found 2 critical permission(s)",
        "description": "android.permission.READ_EXTERNAL_STORAGE (dangerous): x\n\n"
        "android.permission.WRITE_EXTERNAL_STORAGE (dangerous): y",
        "section": "permissions",
    }
    document = {"title": "AppSec Scorecard", "security_score": 70, "hotspot": [storage], "high": []}
    observations = list(parse(io.BytesIO(json.dumps(document).encode())))
    assert _summary_candidates(observations) == {}
    storage["description"] = "Ensure that these permissions are required by the application."
    observations = list(parse(io.BytesIO(json.dumps(document).encode())))
    # The summary names no permission: it cannot be checked, so it stands.
    (candidate,) = _summary_candidates(observations).values()
    assert (candidate.violation_code, candidate.evidence["permissions"]) == ("PM-01", [])
