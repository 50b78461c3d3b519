"""The design documents in docs/ are the ones the code cites, and nothing points outside the repository.

Every ``NAME.md §X[.Y]`` citation (NAME one of the documents below) in the project's text files must
land on a heading with that number in ``docs/NAME.md``. The files are found by globbing, so modules
can move without this test naming them.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOCUMENTS = ("ARCHITECTURE", "STYLE", "NOTICE-FORMAT", "FORMATS", "COMPLAINTS")
SUFFIXES = {".py", ".html", ".md", ".txt", ".css", ".js"}
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "staticfiles", "media", "__pycache__", ".ruff_cache"}

# The folder of shared design notes and scanner outputs beside a developer's checkout. Spelled in two
# pieces so that this file does not name it.
SHARED = "../" + "shared"
# Only the tests that read the shared scanner corpus may name it (and the pytest marker they carry).
MAY_NAME_SHARED = {"tests/conftest.py", "tests/cases/ingest/test_corpus.py"}
MAY_NAME_SHARED_UNDER = ("bench/",)

NUMBER = r"\d+(?:\.\d+)*"
CITATION = re.compile(
    r"\b(?P<doc>" + "|".join(re.escape(d) for d in DOCUMENTS) + r")\.md\s+§(?P<first>" + NUMBER + r")"
    # Ranges (§3.5–3.6, §1–2) and lists (§3.4, §4 and §3 and §5): a list item repeats the § sign.
    r"(?P<rest>(?:\s*[–—-]\s*§?" + NUMBER + r"|\s*(?:,|and|or|&)\s*§" + NUMBER + r")*)"
)
REST_ITEM = re.compile(r"(?P<sep>[–—-]|,|and|or|&)\s*§?(?P<number>" + NUMBER + r")")
HEADING = re.compile(r"^#{1,6}\s+(?P<number>" + NUMBER + r")\.?(?:\s|$)", re.MULTILINE)


def _project_files(suffixes=None):
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS for part in rel.parts[:-1]) or not path.is_file():
            continue
        if suffixes is not None and path.suffix not in suffixes:
            continue
        yield rel, path


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return ""


def _expand(first: str, last: str) -> list[str]:
    """The numbers a range names: 3.5–3.7 is 3.5, 3.6, 3.7; 1–2 is 1, 2; otherwise its two ends."""
    a, b = first.split("."), last.split(".")
    if len(a) == len(b) and a[:-1] == b[:-1] and int(a[-1]) <= int(b[-1]):
        return [".".join([*a[:-1], str(n)]) for n in range(int(a[-1]), int(b[-1]) + 1)]
    return [first, last]


def cited_numbers(text: str) -> list[tuple[str, str]]:
    """Every (document, section number) a text cites."""
    found = []
    for match in CITATION.finditer(text):
        doc, previous = match["doc"], match["first"]
        numbers = [previous]
        for item in REST_ITEM.finditer(match["rest"]):
            if item["sep"] in "–—-":
                numbers.extend(_expand(previous, item["number"])[1:])
            else:
                numbers.append(item["number"])
            previous = item["number"]
        found.extend((doc, number) for number in numbers)
    return found


def heading_numbers(text: str) -> set[str]:
    return {m["number"] for m in HEADING.finditer(text)}


def test_cited_numbers_reads_ranges_and_lists():
    text = (
        "ARCHITECTURE.md §3.4, §4; ARCHITECTURE.md §3.5–3.6: NOTICE-FORMAT.md §1–2 and NOTICE-FORMAT.md §3 and §5. "
        "FORMATS.md §8. Legacy; STYLE.md §10). ARCHITECTURE.md §1, vendor user; GB/T 9704 §7.3.5"
    )
    assert cited_numbers(text) == [
        ("ARCHITECTURE", "3.4"),
        ("ARCHITECTURE", "4"),
        ("ARCHITECTURE", "3.5"),
        ("ARCHITECTURE", "3.6"),
        ("NOTICE-FORMAT", "1"),
        ("NOTICE-FORMAT", "2"),
        ("NOTICE-FORMAT", "3"),
        ("NOTICE-FORMAT", "5"),
        ("FORMATS", "8"),
        ("STYLE", "10"),
        ("ARCHITECTURE", "1"),
    ]


def test_heading_numbers():
    text = "# Title\n## 3. The flows\n### 3.3 Order to rectify\n## 10. Parsers\n### Not numbered\n## 2024 plans\n"
    assert heading_numbers(text) == {"3", "3.3", "10", "2024"}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_document_exists(document):
    assert (DOCS / f"{document}.md").is_file(), f"docs/{document}.md is missing"


def test_every_citation_resolves():
    headings = {d: heading_numbers(_read(DOCS / f"{d}.md")) for d in DOCUMENTS}
    unresolved = []
    count = 0
    for rel, path in _project_files(SUFFIXES):
        for doc, number in cited_numbers(_read(path)):
            count += 1
            if number not in headings[doc]:
                unresolved.append(f"{rel}: {doc}.md §{number}")
    assert count > 0, "no citation found: the search is broken"
    assert not unresolved, "citations without a heading in docs/:\n" + "\n".join(sorted(set(unresolved)))


def test_nothing_names_the_shared_folder():
    offenders = []
    for rel, path in _project_files():
        name = rel.as_posix()
        if name in MAY_NAME_SHARED or name.startswith(MAY_NAME_SHARED_UNDER):
            continue
        if SHARED in _read(path):
            offenders.append(name)
    assert not offenders, f"files naming {SHARED} (the design now lives in docs/):\n" + "\n".join(offenders)
