import json

import pytest

from cases.scanners import trackerdb
from tests.conftest import corpus_path


@pytest.mark.corpus
def test_shipped_list_is_built_from_the_corpus_copy():
    payload = json.loads(corpus_path("exodus", "mobsf-shipped_exodus_api_trackers_2025-08.json").read_text("utf-8"))
    shipped = json.loads(trackerdb.DATA_FILE.read_text("utf-8"))
    assert trackerdb.build_reference(payload) == shipped
    assert len(shipped["trackers"]) == 432


def test_lookups():
    firebase = trackerdb.by_id(49)
    assert firebase.name == "Google Firebase Analytics"
    assert firebase.categories == ("Analytics",)
    assert firebase.collects_identifiers
    assert trackerdb.by_name("google firebase analytics") is firebase
    assert trackerdb.id_from_url("https://reports.exodus-privacy.eu.org/trackers/49/") == 49
    assert trackerdb.id_from_url("https://example.org/") is None
    assert trackerdb.by_id("not a number") is None
    assert not trackerdb.by_id(447).collects_identifiers  # Sentry: crash reporting only


def test_host_and_class_signatures():
    assert trackerdb.for_host("alog.umeng.com").name == "Umeng Analytics"
    assert trackerdb.for_host("s0.2mdn.net").name == "Google DoubleClick"
    assert trackerdb.for_host("api.example-shop.cn") is None
    assert trackerdb.for_class_name("com.google.firebase.analytics.FirebaseAnalytics").id == 49
    assert trackerdb.for_class_name("cn.example.Main") is None


def test_build_reference_rejects_other_documents():
    with pytest.raises(ValueError):
        trackerdb.build_reference({"name": "x"})
