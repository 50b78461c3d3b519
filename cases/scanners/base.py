"""The scanner plug-in contract: observations in, candidates out, and the registry of parsers.

Parsers are pure (bytes in, plain dataclasses out) and import nothing of the database; the ingest
service persists, deduplicates and maps candidates to the taxonomy (STYLE.md §10).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol, runtime_checkable

from cases.scanners import errors
from cases.scanners.errors import ScanError as ScanError

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Observation:
    """One fact a tool reported (a permission, a request, a connection...).

    ``attributes`` holds plain JSON-able values only (str, int, float, bool, None, lists, dicts).
    """

    tool: str
    kind: str
    locus: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A possible violation found by a detection rule, with the evidence that triggered it.

    ``locus`` is stable across re-scans of the same product so that (product version, rule, locus)
    can be fingerprinted by the ingest service. ``sources`` are the positions (1-based, in stream
    order) of the observations it was made from; ``detect_candidates`` fills it (``rules/base.py``).
    """

    rule: str
    violation_code: str
    title: str
    locus: str
    evidence: dict[str, Any] = field(default_factory=dict)
    sources: Sequence[int] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ScanContext:
    """What the rules may know of the inspected subject: its kind (``app``, ``sdk``,
    ``mini_program``, ``terminal``; empty when unknown) and its identity as registered."""

    product_kind: str = ""
    package_name: str = ""
    version: str = ""
    file_sha256: str = ""


@runtime_checkable
class Parser(Protocol):
    name: str
    label: str

    def sniff(self, head: bytes) -> bool:
        """Whether the first bytes of a file look like this tool's output."""

    def parse(self, stream: BinaryIO) -> Iterator[Observation]:
        """Stream observations out of a seekable binary file; raise ScanError on bad input."""


def clip(text: Any, limit: int) -> str:
    """A string attribute no longer than ``limit`` characters (observations stay small)."""
    if text is None:
        return ""
    text = text if isinstance(text, str) else str(text)
    return text if len(text) <= limit else text[:limit]


def looks_like_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGICS)


class Registry:
    """Parsers by name. A duplicate name is a programming error, so it raises at import time."""

    def __init__(self) -> None:
        self._parsers: dict[str, Parser] = {}

    def register(self, parser: Parser) -> Parser:
        if not isinstance(parser, Parser):
            raise TypeError(f"{parser!r} does not implement the scanner Parser protocol")
        if parser.name in self._parsers:
            raise ValueError(f"a scanner parser named {parser.name!r} is already registered")
        self._parsers[parser.name] = parser
        return parser

    def get(self, name: str) -> Parser:
        try:
            return self._parsers[name]
        except KeyError:
            known = ", ".join(sorted(self._parsers))
            raise ScanError(
                f"unknown scanner tool {name!r}; known tools: {known}",
                code=errors.UNKNOWN_TOOL,
                params={"tool": name, "tools": known},
            ) from None

    def names(self) -> list[str]:
        return list(self._parsers)

    def display_name(self, name: str) -> str:
        """How a page names a tool (``mobsf`` → "MobSF"); an unknown name as it is."""
        parser = self._parsers.get(name)
        return getattr(parser, "display_name", name) if parser is not None else name

    def detect(self, head: bytes, filename: str = "") -> str:
        """Name the parser for a file from its first bytes; the file name only explains refusals."""
        if not head.removeprefix(UTF8_BOM).strip():
            raise ScanError("empty file", code=errors.EMPTY_FILE)
        for parser in self._parsers.values():
            if parser.sniff(head):
                return parser.name
        if looks_like_zip(head) and filename.lower().endswith((".json", ".har", ".sarif", ".log", ".xml")):
            raise ScanError(
                f"{filename} is a ZIP archive, not the text format its name suggests",
                code=errors.UNSUPPORTED_FORMAT,
                params={"container": "ZIP"},
            )
        raise ScanError("unsupported format", code=errors.UNSUPPORTED_FORMAT)

    def detect_other(self, head: bytes, tool: str) -> str | None:
        """The first parser other than ``tool`` whose signature matches ``head``, or None."""
        for parser in self._parsers.values():
            if parser.name != tool and parser.sniff(head):
                return parser.name
        return None


registry = Registry()
register = registry.register
get = registry.get
detect = registry.detect
