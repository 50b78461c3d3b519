"""Print a Markdown table: each file of ../shared/corpus → observations → candidates by violation code.

    .venv/bin/python bench/corpus_table.py [path/to/corpus]

Each file goes through the same path as an upload: detection from its first bytes (the file name
only explains refusals), the parser, then the detection rules.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cases.scanners import ScanError, detect_candidates, parse  # noqa: E402


def rows(corpus: Path) -> list[tuple[str, str, str, str]]:
    table = []
    for path in sorted(corpus.glob("*/*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(corpus))
        try:
            with path.open("rb") as stream:
                observations = list(parse(stream, filename=path.name))
        except ScanError as exc:
            table.append((name, "—", "—", f"refused: {exc.reason}"))
            continue
        tool = observations[0].tool if observations else "—"
        counted = Counter(candidate.violation_code for candidate in detect_candidates(observations))
        summary = ", ".join(f"{code} ×{count}" for code, count in sorted(counted.items())) or "none"
        table.append((name, tool, str(len(observations)), summary))
    return table


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "corpus"
    if not corpus.is_dir():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 1
    print("| corpus file | tool | observations | candidates by violation code |")
    print("|---|---|---:|---|")
    table = rows(corpus)
    for name, tool, observations, summary in table:
        print(f"| {name} | {tool} | {observations} | {summary} |")
    total = sum(int(row[2]) for row in table if row[2].isdigit())
    print(f"\n{len(table)} files, {total} observations.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
