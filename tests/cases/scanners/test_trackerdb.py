import json
import re

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


def _first_signature_match(host):
    """What for_host answered before the index: every signature tried in list order."""
    return next((tracker for pattern, tracker in trackerdb._network_signatures() if pattern.search(host)), None)


def test_required_literal_reads_the_top_level_of_a_signature():
    assert trackerdb._required_literal(re.compile(r"graph\.facebook\.com", re.I)) == "graph.facebook.com"
    assert trackerdb._required_literal(re.compile(r"mst[0-9]*\.is\.AutoNavi\.com", re.I)) == ".is.autonavi.com"
    assert trackerdb._required_literal(re.compile(r"adservice\.google\..*", re.I)) == "adservice.google."
    assert trackerdb._required_literal(re.compile(r"(?:ab|cd)", re.I)) == ""


@pytest.mark.parametrize(
    "host",
    [
        "graph.facebook.com",
        "GRAPH.FACEBOOK.COM",
        "log.umeng.com",
        "mst12.is.autonavi.com",
        "adservice.google.fr",
        "h17.dense-bench.com",
        "api.example-app.cn",
        "x\u212a.umeng.com",  # non-ASCII: the Kelvin sign folds to "k"
    ],
)
def test_host_index_answers_the_first_matching_signature(host):
    trackerdb.for_host.cache_clear()
    assert trackerdb.for_host(host) is _first_signature_match(host)


def test_host_index_agrees_with_every_signature_on_variants_of_their_text():
    hosts = set()
    for _, _, literal in trackerdb._host_index().signatures:
        hosts.update({literal, f"a.{literal}.b", literal.upper(), literal[1:], literal[:-1]})
    trackerdb.for_host.cache_clear()
    assert [trackerdb.for_host(h) for h in sorted(hosts)] == [_first_signature_match(h) for h in sorted(hosts)]
    assert trackerdb.for_host("graph.facebook.com").name == "Facebook Audience"
