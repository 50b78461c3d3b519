"""Scanner outputs in, observations and candidate violations out. Pure: no database, no network.

    observations = parse(upload, filename=upload.name)     # raises ScanError with a reason
    for candidate in detect_candidates(observations): ...

Observation kinds by tool (attributes are plain JSON values; see each module):

- mobsf: app_meta, permission, tracker, domain, url, firebase_url, manifest_finding, code_finding,
  api_usage, certificate_finding, scorecard_item; scan_meta (mobsfscan)
- exodus: app_meta, permission, tracker
- har: capture_meta, http_request
- zeek: connection, http_request, dns, tls, dhcp, mqtt, zeek_record (other streams)
- sarif: tool_run, sarif_result
- nmap: scan_meta, host, open_port, vulnerability, scan_summary
- privacysentry: privacy_api_call, consent_marker, privacy_api_count

Meta rows (``META_KINDS``: scan_meta, scan_summary, capture_meta, tool_run, app_meta) describe the
file, not the subject: they are not counted as observations, nor are nmap hosts that were down
(``counts.py``).

Rules (``rules/``) name their taxonomy codes: PM-01/PM-02 permissions, SDK-01 trackers, PI-03/ST-03
personal data sent out, PI-01 calls before consent, PI-02 the same item read over and over after
consent, PI-05 no privacy policy, ST-03 device traffic to clouds, PI-02 hardware identifiers read in
code, PI-03/SDK-01/PM-01 from MobSF scorecard summaries.

Parsers register in the order below, which is also the order ``detect`` asks them to sniff: binary
and XML formats first, then line formats, then the JSON shapes from most to least specific.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from cases.scanners import errors, limits

# isort: off
# Importing a parser module registers it; the order here is the sniffing order.
from cases.scanners import privacysentry as _privacysentry  # noqa: F401
from cases.scanners import nmap as _nmap  # noqa: F401
from cases.scanners import zeek as _zeek  # noqa: F401
from cases.scanners import sarif as _sarif  # noqa: F401
from cases.scanners import har as _har  # noqa: F401
from cases.scanners import mobsf as _mobsf  # noqa: F401
from cases.scanners import exodus as _exodus  # noqa: F401

# isort: on
from cases.scanners.base import (
    UTF8_BOM,
    Candidate,
    Observation,
    Parser,
    ScanContext,
    ScanError,
    detect,
    get,
    register,
    registry,
)
from cases.scanners.counts import META_KINDS, ObservationCounts, is_counted
from cases.scanners.rules import detect_candidates

__all__ = [
    "META_KINDS",
    "Candidate",
    "Observation",
    "ObservationCounts",
    "Parser",
    "ScanContext",
    "ScanError",
    "detect",
    "detect_candidates",
    "get",
    "is_counted",
    "parse",
    "register",
    "registry",
    "seekable",
]


def seekable(stream: BinaryIO) -> BinaryIO:
    """Parsers rewind (validate first, then parse); spool a one-way stream to a temporary file."""
    try:
        if stream.seekable():
            return stream
    except (AttributeError, ValueError):
        pass
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    shutil.copyfileobj(stream, spool, limits.CHUNK_BYTES)
    spool.seek(0)
    return spool


def parse(stream: BinaryIO, *, tool: str | None = None, filename: str = "") -> Iterator[Observation]:
    """Observations from one scanner output.

    The tool is detected from the first bytes unless named; an unknown tool, an empty file or an
    unrecognised format raises ScanError here, problems inside the file while iterating. Each
    parser checks the structure its tool writes before it reads (``errors.UNSUPPORTED_FORMAT``
    when it is not there); when another tool's signature matches the file, that refusal becomes
    ``errors.WRONG_TOOL`` naming both, so a named tool never "succeeds" with another tool's file.
    """
    stream = seekable(stream)
    start = stream.tell()
    head = stream.read(limits.HEAD_BYTES)
    stream.seek(start)
    if not head.removeprefix(UTF8_BOM).strip():
        raise ScanError("empty file", code=errors.EMPTY_FILE)
    parser = get(tool) if tool else get(detect(head, filename))
    return _named(parser.parse(stream), tool=parser.name, head=head)


def _named(observations: Iterator[Observation], *, tool: str, head: bytes) -> Iterator[Observation]:
    """The parser's observations; its structure refusal names the tool whose signature matches."""
    try:
        yield from observations
    except ScanError as exc:
        if exc.code != errors.UNSUPPORTED_FORMAT:
            raise
        detected = registry.detect_other(head, tool)
        if detected is None:
            exc.params.setdefault("tool", tool)
            raise
        raise ScanError(
            f"this file is a {detected} output, not {tool} ({exc.reason})",
            code=errors.WRONG_TOOL,
            params={"tool": tool, "detected": detected},
            position=exc.position,
        ) from None
