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


# Identity: the artifact URI and region always; fingerprints add to them (issue 12, deliverable 8).


def _log(*results):
    driver = {"name": "CodeQL", "rules": [{"id": "java/sensitive-log"}]}
    return json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": list(results)}]}).encode()


def _result(uri, line, column=None, **extra):
    region = {"startLine": line} if line is not None else {}
    if column is not None:
        region["startColumn"] = column
    location = {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}
    return {"ruleId": "java/sensitive-log", "message": {"text": "m"}, "locations": [location], **extra}


def test_same_fingerprint_in_two_files_gives_two_loci():
    same = {"partialFingerprints": {"primaryLocationLineHash": "5a7c3e1d2b9f0a11:1"}}
    log = _log(_result("a/A.java", 57, 13, **same), _result("b/B.java", 57, 13, **same))
    found = results(list(parse(io.BytesIO(log))))
    assert [r.locus for r in found] == [
        "CodeQL:java/sensitive-log:a/A.java:57:13|primaryLocationLineHash:5a7c3e1d2b9f0a11:1",
        "CodeQL:java/sensitive-log:b/B.java:57:13|primaryLocationLineHash:5a7c3e1d2b9f0a11:1",
    ]
    assert [(r.attributes["uri"], r.attributes["line"], r.attributes["column"]) for r in found] == [
        ("a/A.java", 57, 13),
        ("b/B.java", 57, 13),
    ]


def test_full_fingerprints_add_to_the_place_too():
    same = {"fingerprints": {"matchBasedId/v1": "e5aea7d0"}}
    found = results(list(parse(io.BytesIO(_log(_result("a.js", 3, **same), _result("b.js", 3, **same))))))
    assert [r.locus for r in found] == [
        "CodeQL:java/sensitive-log:a.js:3|matchBasedId/v1:e5aea7d0",
        "CodeQL:java/sensitive-log:b.js:3|matchBasedId/v1:e5aea7d0",
    ]


def test_columns_and_offsets_tell_results_on_one_line_apart():
    offset = {"physicalLocation": {"artifactLocation": {"uri": "x.bin"}, "region": {"byteOffset": 4096}}}
    found = results(
        list(
            parse(
                io.BytesIO(
                    _log(
                        _result("a.java", 60, 9),
                        _result("a.java", 60, 34),
                        _result("a.java", 61),
                        {"ruleId": "java/sensitive-log", "message": {"text": "m"}, "locations": [offset]},
                        {"ruleId": "java/sensitive-log", "message": {"text": "m"}},
                    )
                )
            )
        )
    )
    assert [r.locus for r in found] == [
        "CodeQL:java/sensitive-log:a.java:60:9",
        "CodeQL:java/sensitive-log:a.java:60:34",
        "CodeQL:java/sensitive-log:a.java:61",
        "CodeQL:java/sensitive-log:x.bin:byte4096",
        "CodeQL:java/sensitive-log::",
    ]


def test_long_locus_keeps_a_digest_of_the_whole():
    long_uri = "src/" + "d/" * 300
    found = results(list(parse(io.BytesIO(_log(_result(long_uri + "A.java", 1), _result(long_uri + "B.java", 1))))))
    assert all(len(r.locus) == 480 for r in found)
    assert found[0].locus != found[1].locus


def test_codeql_results_in_several_files_keep_distinct_loci():
    found = results(read(FIXTURES / "codeql_multi_file.sarif"))
    assert len(found) == 6
    assert len({r.locus for r in found}) == 6
    # Two pairs of results in different files share a line hash: alone it would have merged them.
    assert len({r.attributes["fingerprint"].split("|")[0] for r in found}) == 4
    assert Counter(r.attributes["uri"].rsplit("/", 1)[-1] for r in found) == {
        "LoginActivity.java": 3,
        "PayActivity.java": 1,
        "Notifier.java": 1,
        "PushReceiver.java": 1,
    }
    assert {r.attributes["cwe"][0] for r in found} == {532, 927}
    assert codes(read(FIXTURES / "codeql_multi_file.sarif")) == {}
