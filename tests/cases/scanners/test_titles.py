"""Scanner finding titles in the page's language (cases/scanners/titles.py): the Chinese rendering
of a rule's template is the title the rule stored, the English one has no Chinese the application
wrote, and anything the templates do not know shows its stored title."""

import re

import pytest
from django.utils import translation

from cases.scanners import ScanContext, detect_candidates
from cases.scanners.titles import RULE_TITLES, display_title
from tests.cases.scanners.conftest import FIXTURES, read

CJK = re.compile(r"[\u3400-\u9fff]")
SAMPLES = [
    ("mobsf_android_4x.json", ScanContext(product_kind="app")),
    ("mobsf_scorecard.json", ScanContext(product_kind="app")),
    ("mobsf_scorecard.json", ScanContext(product_kind="sdk")),
    ("mobsfscan.json", ScanContext(product_kind="app")),
    ("cleartext_identifiers.har", ScanContext(product_kind="app")),
    ("home_devices_nmap.xml", ScanContext(product_kind="terminal")),
    ("speaker_zeek.json.log", ScanContext(product_kind="terminal")),
    ("privacysentry_new.xlsx", ScanContext(product_kind="app")),
    ("privacysentry_old.xls", ScanContext(product_kind="app")),
]


def candidates():
    found = []
    for name, context in SAMPLES:
        found += list(detect_candidates(read(FIXTURES / name), context=context))
    return found


def test_every_rule_with_a_template_is_exercised_and_agrees_with_its_stored_title():
    seen, rebuilt = set(), set()
    for candidate in candidates():
        if candidate.rule not in RULE_TITLES:
            continue
        seen.add(candidate.rule)
        args = {"rule": candidate.rule, "evidence": candidate.evidence, "stored": candidate.title}
        with translation.override("zh-hans"):
            assert display_title(**args) == candidate.title
        with translation.override("en"):
            english = display_title(**args)
        if candidate.rule == "consent.before_policy" and english == candidate.title:
            continue  # the tool's own description of the call is not kept: shown as stored
        assert english != candidate.title, f"{candidate.rule}: no template gave {candidate.title!r}"
        assert not CJK.search(english), english
        rebuilt.add(candidate.rule)
    missing = set(RULE_TITLES) - seen
    assert len(missing) <= 3, f"rules with a template but no sample candidate: {sorted(missing)}"
    assert seen - rebuilt <= {"consent.before_policy"}, sorted(seen - rebuilt)


@pytest.mark.parametrize(
    ("rule", "evidence", "stored"),
    [
        ("unknown.rule", {"x": 1}, "某个标题"),
        ("permission.sensitive", {}, "申请短信权限：READ_SMS"),
        ("permission.sensitive", {"permission": "android.permission.READ_SMS"}, "旧的措辞：READ_SMS"),
        ("tracker.identifying", {"sdk": "X"}, "集成收集设备信息的第三方SDK：X（截断…"),
    ],
)
def test_what_the_templates_cannot_rebuild_shows_as_stored(rule, evidence, stored):
    with translation.override("en"):
        assert display_title(rule=rule, evidence=evidence, stored=stored) == stored


def test_a_permission_title_in_english():
    stored = "申请短信权限：READ_SMS"
    with translation.override("en"):
        shown = display_title(
            rule="permission.sensitive", evidence={"permission": "android.permission.READ_SMS"}, stored=stored
        )
    assert shown == "Requests the SMS permission: READ_SMS"


@pytest.mark.parametrize(
    ("after", "window", "stored", "english"),
    [
        (
            True,
            3.5,
            "同意隐私政策后频繁读取本机号码：12次，3.5秒内",
            "After the privacy policy is accepted, reads phone number frequently: 12 times within 3.5 s",
        ),
        (None, None, "频繁读取本机号码：12次", "Reads phone number frequently: 12 times"),
    ],
)
def test_a_frequent_read_title_in_english(after, window, stored, english):
    evidence = {"item": "phone_number", "category": "本机号码", "after_consent": after, "reads": 12}
    evidence["window_seconds"] = window
    with translation.override("en"):
        assert display_title(rule="consent.frequent_reads", evidence=evidence, stored=stored) == english
