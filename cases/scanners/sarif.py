"""SARIF 2.1.0 logs, from any tool (mobsfscan, Semgrep, Android Lint, Gitleaks, dependency-check...).

FORMATS.md §5 and the SARIF 2.1.0 specification (OASIS, 2020). Results are streamed one at a time.
Each result needs its run's rules (for ``defaultConfiguration.level`` and names), so the run's
``tool`` is read first: with one run (nearly every file) by an early-stopping pass, with several runs
by one event pass that also counts each run's results, so that streamed results can be attributed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import ijson

from cases.scanners import errors, limits, safejson
from cases.scanners.base import Observation, clip, register

TOOL = "sarif"
_CWE = re.compile(r"cwe[-_/: ]*(\d+)", re.IGNORECASE)
_ARGUMENT = re.compile(r"\{(\d+)\}")
# §3.27.10: a result without level takes its rule's default configuration, else "warning".
_DEFAULT_LEVEL = "warning"
_SCHEMA = re.compile(rb'"\$schema"\s*:\s*"[^"]*sarif', re.IGNORECASE)
# Results whose rule is not declared (dependency-check, Gitleaks) share this one empty rule.
_NO_RULE: dict[str, Any] = {}
_VERSION = re.compile(rb'"version"\s*:\s*"2\.1\.0"')
_MAX_LOCUS = 480


@dataclass
class _Run:
    index: int
    tool_name: str = ""
    tool_version: str = ""
    rules: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: dict[int, _RuleFacts] = field(default_factory=dict)

    @classmethod
    def from_tool(cls, index: int, tool: Any) -> _Run:
        run = cls(index)
        tool = tool if isinstance(tool, dict) else {}
        driver = tool.get("driver") if isinstance(tool.get("driver"), dict) else {}
        run.tool_name = str(driver.get("name") or "")
        run.tool_version = str(driver.get("semanticVersion") or driver.get("version") or "")
        run.rules = [rule for rule in driver.get("rules") or [] if isinstance(rule, dict)]
        extension_rules = [
            rule
            for extension in tool.get("extensions") or []
            if isinstance(extension, dict)
            for rule in extension.get("rules") or []
            if isinstance(rule, dict)
        ]
        for rule in run.rules + extension_rules:
            if rule.get("id") is not None:
                run.by_id.setdefault(str(rule["id"]), rule)
        return run

    def rule_for(self, result: dict[str, Any]) -> dict[str, Any]:
        reference = result.get("rule") if isinstance(result.get("rule"), dict) else {}
        index = result.get("ruleIndex", reference.get("index"))
        if isinstance(index, int) and 0 <= index < len(self.rules) and not reference.get("toolComponent"):
            return self.rules[index]
        rule_id = result.get("ruleId") or reference.get("id")
        return self.by_id.get(str(rule_id), _NO_RULE) if rule_id is not None else _NO_RULE


class SarifParser:
    name = TOOL
    display_name = "SARIF"  # how pages name the tool (a proper name, the same in every language)
    label = "SARIF 2.1.0 (mobsfscan, Semgrep, Android Lint, CodeQL, Gitleaks...)"

    def sniff(self, head: bytes) -> bool:
        text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        if not text.startswith(b"{") or b'"runs"' not in text:
            return False
        return bool(_SCHEMA.search(text) or _VERSION.search(text))

    def parse(self, stream: BinaryIO) -> Iterator[Observation]:
        shape = safejson.validate(stream, track_shape=True)
        check_structure(stream)
        if shape.second_level_array_objects <= 1:
            tool = safejson.first(stream, "runs.item.tool")
            runs = [_Run.from_tool(0, tool)]
            counts = None
            described = [runs[0]] if tool is not None else []
        else:
            runs, counts = _scan_runs(stream)
            described = runs
        for run in described:
            yield Observation(
                TOOL,
                "tool_run",
                f"run:{run.index}:{run.tool_name}",
                {"run": run.index, "tool": run.tool_name, "tool_version": run.tool_version, "rules": len(run.rules)},
            )
        run_index, left = 0, counts[0] if counts else None
        for result in safejson.items(stream, "runs.item.results.item", validated=shape):
            if counts is not None:
                while left == 0 and run_index + 1 < len(counts):
                    run_index += 1
                    left = counts[run_index]
                left -= 1
            if isinstance(result, dict):
                yield _observation(runs[min(run_index, len(runs) - 1)], result)


def check_structure(stream: BinaryIO) -> None:
    """A SARIF log is an object with a ``version`` string and a ``runs`` list (§3.13); refuse
    anything else before reading (a validated stream; it is rewound)."""
    if safejson.first_byte(stream) != b"{":
        raise errors.unsupported(TOOL, "version, runs[]", "not a JSON object")
    kinds = safejson.kinds_at(stream, ("", "version", "runs"), enough=lambda found: found.get("", "map") != "map")
    if kinds.get("") != "map" or kinds.get("version") != "string" or kinds.get("runs") != "array":
        safejson.check_syntax(stream)
        raise errors.unsupported(
            TOOL, "version, runs[]", "not a SARIF log: it needs a version string and a runs list at its root"
        )


def _scan_runs(stream: BinaryIO) -> tuple[list[_Run], list[int]]:
    """One event pass over a multi-run log: each run's tool, and how many results each run has."""
    start = stream.tell()
    runs: list[_Run] = []
    counts: list[int] = []
    builder: ijson.ObjectBuilder | None = None
    for prefix, event, value in safejson.events(stream, validated=True):
        if builder is not None:
            builder.event(event, value)
            if prefix == "runs.item.tool" and event == "end_map":
                runs[-1] = _Run.from_tool(len(runs) - 1, builder.value)
                builder = None
        elif prefix == "runs.item" and event == "start_map":
            runs.append(_Run(len(runs)))
            counts.append(0)
        elif prefix == "runs.item.results.item" and event == "start_map":
            counts[-1] += 1
        elif prefix == "runs.item.tool" and event == "start_map":
            builder = ijson.ObjectBuilder()
            builder.event(event, value)
    stream.seek(start)
    return runs or [_Run(0)], counts or [0]


def _message(result: dict[str, Any], rule: dict[str, Any]) -> str:
    message = result.get("message") if isinstance(result.get("message"), dict) else {}
    text = message.get("text")
    if not text and message.get("id"):
        strings = rule.get("messageStrings") if isinstance(rule.get("messageStrings"), dict) else {}
        template = strings.get(message["id"]) if isinstance(strings.get(message["id"]), dict) else {}
        text = template.get("text") or ""
    text = str(text or "")
    arguments = message.get("arguments") or []
    if arguments and "{" in text:
        text = _ARGUMENT.sub(
            lambda m: str(arguments[int(m.group(1))]) if int(m.group(1)) < len(arguments) else m.group(0), text
        )
    if not text:
        for key in ("shortDescription", "fullDescription"):
            part = rule.get(key)
            if isinstance(part, dict) and part.get("text"):
                return str(part["text"])
    return text


@dataclass(frozen=True, slots=True)
class _Where:
    """The first physical location of a result: artifact URI and region (SARIF §3.28–3.30)."""

    uri: str = ""
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    offset: str = ""
    snippet: str = ""

    def region(self) -> str:
        """``line[:column]`` as before; a region given only as an offset (§3.30.2) names it."""
        if self.line is not None:
            return f"{self.line}:{self.column}" if self.column is not None else str(self.line)
        return self.offset


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _location(result: dict[str, Any]) -> _Where:
    for location in result.get("locations") or []:
        physical = location.get("physicalLocation") if isinstance(location, dict) else None
        if not isinstance(physical, dict):
            continue
        artifact = physical.get("artifactLocation") if isinstance(physical.get("artifactLocation"), dict) else {}
        uri = artifact.get("uri")
        if uri is None and artifact.get("index") is not None:
            uri = f"artifact#{artifact['index']}"
        region = physical.get("region") if isinstance(physical.get("region"), dict) else {}
        snippet = region.get("snippet") if isinstance(region.get("snippet"), dict) else {}
        offset = ""
        for key, mark in (("charOffset", "char"), ("byteOffset", "byte")):
            if _int(region.get(key)) is not None:
                offset = f"{mark}{region[key]}"
                break
        return _Where(
            uri=str(uri or ""),
            line=_int(region.get("startLine")),
            column=_int(region.get("startColumn")),
            end_line=_int(region.get("endLine")),
            offset=offset,
            snippet=str(snippet.get("text") or ""),
        )
    return _Where()


def _fingerprint(result: dict[str, Any]) -> str:
    prints = result.get("fingerprints")
    if isinstance(prints, dict) and prints:
        key = sorted(prints)[-1]
        return f"{key}:{prints[key]}"
    partial = result.get("partialFingerprints")
    if isinstance(partial, dict) and partial:
        return "|".join(f"{key}:{partial[key]}" for key in sorted(partial))
    return ""


def _tags(properties: Any) -> list[str]:
    if not isinstance(properties, dict):
        return []
    return [str(tag) for tag in properties.get("tags") or [] if isinstance(tag, str | int)]


def _cwe_numbers(texts: list[str], found: list[int] | None = None) -> list[int]:
    found = list(found or [])
    for text in texts:
        for match in _CWE.finditer(text):
            number = int(match.group(1)[:6])
            if number not in found:
                found.append(number)
    return found


def _property_cwes(properties: Any) -> list[str]:
    if isinstance(properties, dict) and properties.get("cwe"):
        value = properties["cwe"]
        return [str(item) for item in (value if isinstance(value, list) else [value])]
    return []


@dataclass(frozen=True, slots=True)
class _RuleFacts:
    """What every result of a rule shares, worked out once per rule."""

    name: str
    description: str
    default_level: str | None
    tags: tuple[str, ...]
    cwe: tuple[int, ...]
    security_severity: str
    help_uri: str


def _rule_facts(run: _Run, rule: dict[str, Any]) -> _RuleFacts:
    key = id(rule)
    facts = run.facts.get(key)
    if facts is None:
        configuration = rule.get("defaultConfiguration")
        configuration = configuration if isinstance(configuration, dict) else {}
        short = rule.get("shortDescription") if isinstance(rule.get("shortDescription"), dict) else {}
        properties = rule.get("properties") if isinstance(rule.get("properties"), dict) else {}
        tags = _tags(properties)
        relations = [
            f"CWE-{relation['target']['id']}"
            for relation in rule.get("relationships") or []
            if isinstance(relation, dict) and isinstance(relation.get("target"), dict) and relation["target"].get("id")
        ]
        facts = run.facts[key] = _RuleFacts(
            name=str(rule.get("name") or ""),
            description=clip(short.get("text"), 1000),
            default_level=configuration.get("level"),
            tags=tuple(tags[:50]),
            cwe=tuple(_cwe_numbers(tags + _property_cwes(properties) + relations)),
            security_severity=str(properties.get("security-severity") or ""),
            help_uri=str(rule.get("helpUri") or ""),
        )
    return facts


def _locus(tool: str, identity: str, where: _Where, fingerprint: str) -> str:
    """Tool, rule, artifact URI and region, then the fingerprint when the tool gives one.

    The fingerprint only adds to the place: CodeQL's ``primaryLocationLineHash`` hashes the line's
    text, so the same line in two files has the same fingerprint and must still give two loci.
    A locus too long for the column keeps its head and a digest of the whole, so it stays distinct.
    """
    locus = f"{tool}:{identity}:{where.uri}:{where.region()}"
    if fingerprint:
        locus = f"{locus}|{fingerprint}"
    if len(locus) > _MAX_LOCUS:
        digest = hashlib.sha256(locus.encode("utf-8")).hexdigest()
        locus = f"{locus[: _MAX_LOCUS - len(digest) - 1]}#{digest}"
    return locus


def _observation(run: _Run, result: dict[str, Any]) -> Observation:
    rule = run.rule_for(result)
    facts = _rule_facts(run, rule)
    reference = result.get("rule")
    rule_id = result.get("ruleId") or (reference.get("id") if isinstance(reference, dict) else None) or rule.get("id")
    level = result.get("level") or facts.default_level or _DEFAULT_LEVEL
    message = _message(result, rule)
    where = _location(result)
    tags, cwe = list(facts.tags), list(facts.cwe)
    properties = result.get("properties")
    if isinstance(properties, dict):
        extra = _tags(properties)
        tags.extend(extra)
        cwe = _cwe_numbers(extra + _property_cwes(properties), cwe)
    fingerprint = _fingerprint(result)
    identity = str(rule_id) if rule_id is not None else message[:80]
    return Observation(
        TOOL,
        "sarif_result",
        _locus(run.tool_name, identity, where, fingerprint),
        {
            "run": run.index,
            "tool": run.tool_name,
            "tool_version": run.tool_version,
            "rule_id": str(rule_id) if rule_id is not None else None,
            "rule_name": facts.name,
            "rule_description": facts.description,
            "level": str(level),
            "kind": str(result.get("kind") or "fail"),
            "message": message[:4000],
            "uri": where.uri[:2000],
            "line": where.line,
            "column": where.column,
            "end_line": where.end_line,
            "snippet": where.snippet[: limits.MAX_ATTRIBUTE_TEXT_CHARS],
            "fingerprint": fingerprint[:1000],
            "tags": tags[:50],
            "cwe": cwe,
            "security_severity": facts.security_severity,
            "suppressed": bool(result.get("suppressions")),
            "help_uri": facts.help_uri,
        },
    )


register(SarifParser())
