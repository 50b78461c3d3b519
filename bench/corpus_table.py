"""Print a Markdown table: each scanner file → observations by kind → candidates by violation code.

    .venv/bin/python bench/corpus_table.py [DIR ...]

Without arguments it reads ../shared/corpus (when it is there) and the project's own fixtures
(tests/cases/scanners/fixtures). Each file goes through the same path as an upload: detection from
its first bytes (the file name only explains refusals), the parser, then the detection rules, run
for the product kind an inspection of that tool's output usually has (apps for MobSF, εxodus,
PrivacySentry, SARIF and HAR; terminals for Zeek and nmap; ``--kind`` overrides). Rows the ingest
does not count as observations (meta rows, nmap hosts that were down) are shown in brackets, followed
by the per-format figures of ``ScanJob.counts`` (hosts up/down and open ports, SARIF results by
level, HAR entries). Candidates whose code does not apply to
the product kind (the taxonomy's ``applies_to``, read from its seed migrations) are dropped by the
ingest; they are listed after "not applicable".
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cases import scanners  # noqa: E402
from cases.scanners import ScanError, detect_candidates, parse  # noqa: E402

KIND_BY_TOOL = {"zeek": "terminal", "nmap": "terminal"}
SUFFIXES = {".json", ".har", ".sarif", ".xml", ".log", ".xls", ".xlsx", ".txt", ".tsv", ".jsonl", ".csv"}


def _meta_kinds() -> frozenset[str]:
    return frozenset(getattr(scanners, "META_KINDS", ()))


def _candidates(observations, kind: str):
    if "context" in inspect.signature(detect_candidates).parameters:
        return detect_candidates(observations, context=scanners.ScanContext(product_kind=kind))
    return detect_candidates(observations)


TAXONOMY_SEEDS = ("0002_seed_violation_types", "0009_i12_security_measures_type")


def _applies_to() -> dict[str, frozenset[str]]:
    """``applies_to`` by code, from the taxonomy's seed migrations (no database needed)."""
    kinds: dict[str, frozenset[str]] = {}
    for name in TAXONOMY_SEEDS:
        try:
            rows = importlib.import_module(f"cases.migrations.{name}").VIOLATION_TYPES
        except (ImportError, AttributeError):
            continue
        kinds.update({row[0]: frozenset(part.strip() for part in row[3].split(";")) for row in rows})
    return kinds


APPLIES_TO = _applies_to()


def _applies(code: str, kind: str) -> bool:
    kinds = APPLIES_TO.get(code)
    return kinds is None or {"mini_program": "app"}.get(kind, kind) in kinds


def files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file() and path.suffix.lower() in SUFFIXES)


def row(path: Path, base: Path, kind_override: str) -> tuple[str, str, str, str, str]:
    name = str(path.relative_to(base))
    try:
        with path.open("rb") as stream:
            observations = list(parse(stream, filename=path.name))
    except ScanError as exc:
        code = getattr(exc, "code", "")
        return (name, "—", "—", "—", f"refused{f' ({code})' if code else ''}: {exc.reason}")
    tool = observations[0].tool if observations else "—"
    kind = kind_override or KIND_BY_TOOL.get(tool, "app")
    codes = Counter(candidate.violation_code for candidate in _candidates(observations, kind))
    kept = {code: n for code, n in codes.items() if _applies(code, kind)}
    dropped = {code: n for code, n in codes.items() if code not in kept}
    summary = ", ".join(f"{code} ×{count}" for code, count in sorted(kept.items())) or "none"
    if dropped:
        summary += "; not applicable: " + ", ".join(f"{code} ×{n}" for code, n in sorted(dropped.items()))
    if hasattr(scanners, "ObservationCounts"):
        # What the ingest stores in ScanJob.counts: counted kinds, [rows not counted], format figures.
        tally = scanners.ObservationCounts()
        for observation in observations:
            tally.add(observation)
        counts = tally.as_dict(tool)
        parts = [f"{k} ×{n}" for k, n in counts["by_kind"].items()]
        parts += [f"[{k} ×{n}]" for k, n in counts.get("not_counted", {}).items()]
        figures = {k: v for k, v in counts.items() if k not in ("by_kind", "not_counted")}
        parts += [f"{k}: {v}" if not isinstance(v, dict) else f"{k}: {_levels(v)}" for k, v in figures.items()]
        return (name, f"{tool} ({kind})", ", ".join(parts) or "none", str(tally.observations), summary)
    meta = _meta_kinds()
    by_kind = Counter(observation.kind for observation in observations)
    kinds = ", ".join(f"[{k} ×{n}]" if k in meta else f"{k} ×{n}" for k, n in sorted(by_kind.items())) or "none"
    return (name, f"{tool} ({kind})", kinds, str(sum(n for k, n in by_kind.items() if k not in meta)), summary)


def _levels(levels: dict) -> str:
    return " ".join(f"{level} {n}" for level, n in levels.items())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--kind", default="", help="product kind for every file (app, sdk, terminal)")
    args = parser.parse_args(argv[1:])
    dirs = args.dirs or [
        d for d in (ROOT.parent / "shared" / "corpus", ROOT / "tests" / "cases" / "scanners" / "fixtures") if d.is_dir()
    ]
    print("| file | tool (product kind) | observations by kind | counted | candidates by violation code |")
    print("|---|---|---|---:|---|")
    total = count = 0
    for directory in dirs:
        for path in files(directory):
            name, tool, kinds, counted, summary = row(path, directory.parent, args.kind)
            print(f"| {name} | {tool} | {kinds} | {counted} | {summary} |")
            count += 1
            total += int(counted) if counted.isdigit() else 0
    print(f"\n{count} files, {total} observations counted.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
