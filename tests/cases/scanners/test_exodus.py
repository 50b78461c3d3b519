import pytest

from cases.scanners import ScanError, detect_candidates
from tests.conftest import corpus_path

from .conftest import FIXTURES, codes, of_kind, read


@pytest.mark.corpus
def test_exodus_core_report_clean_app():
    observations = read(corpus_path("exodus", "twfg_tinyweatherforecastgermany_0.63.4_analysis-result.json"))
    permissions = of_kind(observations, "permission")
    assert len(permissions) == 11
    background = permissions[0].attributes
    assert background["name"] == "android.permission.ACCESS_BACKGROUND_LOCATION"
    assert background["status"] == "dangerous"
    assert background["protection_level"] == "dangerous|instant"
    assert background["group"] == "android.permission-group.LOCATION"
    assert of_kind(observations, "tracker") == []
    (meta,) = of_kind(observations, "app_meta")
    assert meta.attributes["package"] == "de.kaffeemitkoffein.tinyweatherforecastgermany"
    assert meta.attributes["version_name"] == "0.63.4"
    assert meta.attributes["version_code"] == "63"
    assert meta.attributes["exodus_uid"] == "9516B3B40C249FEC74C079FEC8ED9036E97A7830"
    assert meta.attributes["certificates"] == 1
    # εxodus cannot tell whether a privacy policy exists: no PI-05 guess.
    assert codes(observations) == {"PM-02": 3}


@pytest.mark.corpus
def test_tracker_list_is_refused_as_reference_data():
    with pytest.raises(ScanError) as caught:
        read(corpus_path("exodus", "mobsf-shipped_exodus_api_trackers_2025-08.json"))
    assert caught.value.reason == (
        "this is the εxodus tracker list (reference data), not an analysis of an app; "
        "upload the analysis result of the app instead"
    )


def test_standalone_json():
    observations = read(FIXTURES / "exodus_standalone.json")
    assert [o.attributes["name"] for o in of_kind(observations, "permission")] == [
        "android.permission.INTERNET",
        "android.permission.READ_PHONE_STATE",
        "android.permission.ACCESS_COARSE_LOCATION",
        "android.permission.CAMERA",
    ]
    trackers = of_kind(observations, "tracker")
    assert [(t.attributes["exodus_id"], t.attributes["name"]) for t in trackers] == [
        (49, "Google Firebase Analytics"),
        (9999, "Unknown SDK"),
    ]
    (meta,) = of_kind(observations, "app_meta")
    assert meta.attributes["package"] == "cn.example.shop"
    assert meta.attributes["version_code"] == "502"
    assert meta.attributes["sha256"].startswith("cc11bb22")
    candidates = {c.locus: c.violation_code for c in detect_candidates(observations)}
    assert candidates == {
        "permission:android.permission.READ_PHONE_STATE": "PM-01",
        "permission:android.permission.ACCESS_COARSE_LOCATION": "PM-02",
        "permission:android.permission.CAMERA": "PM-01",
        "tracker:49": "PI-03",
        # εxodus named 9999 a tracker although the shipped list is older and does not know it.
        "tracker:9999": "PI-03",
    }


def test_web_api_search_details():
    observations = read(FIXTURES / "exodus_api_details.json")
    trackers = of_kind(observations, "tracker")
    assert [t.attributes["name"] for t in trackers] == ["Google Firebase Analytics", "Google DoubleClick"]
    (meta,) = of_kind(observations, "app_meta")
    assert meta.attributes["exodus_report"] == 123456
    assert meta.attributes["version_name"] == "8.1"
    # DoubleClick has no εxodus category; a listed tracker with no stated purpose counts as identifying.
    assert codes(observations) == {"PM-02": 1, "PI-03": 2}


def test_web_api_search_by_handle_lists_every_report():
    observations = read(FIXTURES / "exodus_api_search.json")
    metas = of_kind(observations, "app_meta")
    assert [(m.attributes["package"], m.attributes["version_code"]) for m in metas] == [
        ("cn.example.news", "800"),
        ("cn.example.news", "801"),
    ]
    assert len(of_kind(observations, "tracker")) == 3
    # The same tracker in two reports is one candidate.
    assert codes(observations) == {"PI-03": 2}
