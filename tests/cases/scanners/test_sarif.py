import io
import json
from collections import Counter

import pytest

from cases.scanners import detect_candidates, parse
from tests.conftest import corpus_path

from .conftest import FIXTURES, codes, of_kind, read


def results(observations):
    return of_kind(observations, "sarif_result")


@pytest.mark.corpus
def test_mobsfscan_levels_and_missing_level():
    observations = read(corpus_path("sarif", "dd_mobsfscan-0.0.8.sarif.json"))
    (run,) = of_kind(observations, "tool_run")
    assert run.attributes == {"run": 0, "tool": "mobsfscan", "tool_version": "0.0.8", "rules": 9}
    found = [(r.attributes["rule_id"], r.attributes["level"]) for r in results(observations)]
    assert found[:3] == [("android_logging", "note"), ("android_hidden_ui", "error"), ("sqlite_injection", "warning")]
    assert Counter(level for _, level in found) == {"note": 7, "error": 1, "warning": 1}
    logging = results(observations)[0].attributes
    assert logging["uri"] == "app/src/main/java/jakhar/aseem/diva/InsecureDataStorage2Activity.java"
    assert logging["line"] == 57
    assert logging["rule_name"] == "AndroidLogging"
    assert codes(observations) == {}


@pytest.mark.corpus
def test_gitleaks_results_without_rule_id():
    observations = read(corpus_path("sarif", "dd_gitleaks-7.5.0.sarif"))
    assert of_kind(observations, "tool_run")[0].attributes["tool_version"] == "v7.4.0"
    found = results(observations)
    assert len(found) == 8
    assert all(r.attributes["rule_id"] is None for r in found)
    assert Counter(r.attributes["message"] for r in found) == {
        "AWS Access Key secret detected": 6,
        "Asymmetric Private Key secret detected": 2,
    }
    first = found[0]
    assert first.locus.startswith(
        "Gitleaks:AWS Access Key secret detected:"
        "dojo/unittests/scans/gitlab_secret_detection_report/gitlab_secret_detection_report_1_vuln.json:"
    )


@pytest.mark.corpus
def test_semgrep_fingerprints_and_default_levels():
    observations = read(corpus_path("sarif", "dd_semgrep-oss-1.69.0_issue_10191.sarif.json"))
    found = results(observations)
    assert len(found) == 77
    assert Counter(r.attributes["level"] for r in found) == {"warning": 42, "error": 35}
    assert found[0].attributes["fingerprint"].startswith("matchBasedId/v1:e5aea7d033ad2f52")
    assert found[0].attributes["uri"] == "Gruntfile.js"
    assert found[0].attributes["line"] == 75
    assert of_kind(observations, "tool_run")[0].attributes["rules"] == 17


@pytest.mark.corpus
def test_dependency_check_undeclared_rules():
    observations = read(corpus_path("sarif", "dd_dependency-check-6.1.2_no-rules.sarif"))
    found = results(observations)
    assert len(found) == 13
    assert {r.attributes["level"] for r in found} == {"error"}
    assert Counter(r.attributes["rule_id"] for r in found)["CVE-2015-9251"] == 2
    assert len({r.attributes["rule_id"] for r in found}) == 9
    assert found[0].attributes["uri"].startswith("file:////src/.venv/lib/python3.9/site-packages/")


@pytest.mark.corpus
def test_android_lint_demo():
    observations = read(corpus_path("sarif", "lint-playground_android-lint-9.0.0_demoDebug.sarif"))
    found = results(observations)
    assert len(found) == 44
    assert Counter(r.attributes["rule_id"] for r in found).most_common(3) == [
        ("UnusedAttribute", 22),
        ("VisibleForTests", 7),
        ("VectorRaster", 6),
    ]
    # No result states a level: all come from the rules' defaultConfiguration.
    assert Counter(r.attributes["level"] for r in found) == {"warning": 43, "note": 1}
    assert found[0].attributes["fingerprint"] == "sourceContext/v1:7c925ec452b9d5a6"
    assert codes(observations) == {}


@pytest.mark.corpus
def test_android_lint_empty():
    observations = read(corpus_path("sarif", "lint-playground_android-lint-9.0.0_empty.sarif"))
    assert [(o.kind, o.attributes["tool"], o.attributes["rules"]) for o in observations] == [
        ("tool_run", "Android Lint", 0)
    ]


def test_several_runs_and_tools():
    observations = read(FIXTURES / "multi_run.sarif")
    assert [r.attributes["tool"] for r in of_kind(observations, "tool_run")] == [
        "Android Lint",
        "Empty Tool",
        "Semgrep OSS",
    ]
    found = [
        (r.attributes["run"], r.attributes["tool"], r.attributes["rule_id"], r.attributes["level"])
        for r in results(observations)
    ]
    assert found == [
        (0, "Android Lint", "HardwareIds", "warning"),
        (0, "Android Lint", "SetJavaScriptEnabled", "error"),
        (2, "Semgrep OSS", "privacy.clipboard", "warning"),
        (2, "Semgrep OSS", "privacy.clipboard", "warning"),
        # Resolved against the extension's rule, whose default level is error.
        (2, "Semgrep OSS", "HardwareIds", "error"),
    ]
    clipboard = results(observations)[2].attributes
    assert clipboard["message"] == "getPrimaryClip is called in MainActivity"
    assert clipboard["cwe"] == [359]
    assert clipboard["security_severity"] == "MEDIUM"
    assert results(observations)[1].attributes["cwe"] == [79]
    assert results(observations)[3].attributes["kind"] == "pass"
    assert results(observations)[4].attributes["suppressed"] is True
    candidates = list(detect_candidates(observations))
    # The suppressed HardwareIds result in run 2 is not a candidate.
    assert [(c.violation_code, c.locus) for c in candidates] == [
        ("PI-02", "code:HardwareIds:app/src/main/java/cn/example/DeviceInfo.java")
    ]
    assert candidates[0].evidence["examples"][0]["line"] == 42


def test_single_run_with_tool_after_results():
    document = {
        "version": "2.1.0",
        "runs": [
            {
                "results": [{"ruleId": "R1", "message": {"text": "m"}}],
                "tool": {
                    "driver": {"name": "Late", "rules": [{"id": "R1", "defaultConfiguration": {"level": "note"}}]}
                },
            }
        ],
    }
    observations = list(parse(io.BytesIO(json.dumps(document).encode())))
    assert [(o.kind, o.attributes.get("level")) for o in observations] == [("tool_run", None), ("sarif_result", "note")]


def test_log_without_runs():
    document = b'{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": []}'
    assert list(parse(io.BytesIO(document))) == []
