"""Why a scan job failed: a stable code, its parameters and where in the file; the message a person
reads is built from them in that person's language.

Parsers refuse bad input with ``ScanError`` and its code (``cases.scanners.errors``). This module
also names what could still get through or happen beside them (a decoder error, recursion, a time
limit, a missing stored file), so no bad file ends as an unexplained crash. Anything not recognised
is logged with its traceback and reported as ``internal_error``.

The job keeps ``failure_code`` and ``failure_params`` (the parameters, with the position under
``position`` and the parser's technical sentence under ``detail``); ``failure_reason`` is the
message in the default language, for logs and older clients. Pages and the API call ``message``
under the request's language, so an English page never shows a Chinese sentence and vice versa.

Retry (``retry_rule``): offered where a retry could succeed. The same file again helps only when
the failure was not the file's (a worker that died, a time limit, an unexpected error); a file that
is another tool's, or not the named tool's structure, needs another tool; a damaged, empty, too
large or reference-data file fails the same way whatever is retried, and a missing stored file is
gone.
"""

from __future__ import annotations

import json
import logging
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError
from xml.sax import SAXParseException

import ijson
from billiard.exceptions import SoftTimeLimitExceeded
from defusedxml import DefusedXmlException
from django.utils.translation import gettext_lazy as _

from cases.scanners import ScanError, registry
from cases.scanners import errors as codes

logger = logging.getLogger(__name__)

# Codes set outside the parsers (the job's own life).
TIMEOUT = "timeout"
WORKER_LOST = "worker_lost"
FILE_MISSING = "file_missing"
INTERNAL_ERROR = "internal_error"

# Kept for messages defined elsewhere before (their msgids are translated already).
MSG_TOO_DEEP = _("The file is nested too deeply to be read safely.")
MSG_XML_FORBIDDEN = _("The XML declares entities, a DTD or an external reference; such files are refused for safety.")
MSG_NUMBER_TOO_LONG = _("The file contains a number with too many digits.")
MSG_NO_MEMORY = _("The file needs more memory than one job may use.")
MSG_FILE_MISSING = _("The stored file is missing; upload it again.")
MSG_TIMEOUT = _("Reading the file took longer than %(minutes)s minutes; split it into smaller files.")
MSG_INTERNAL = _(
    "The file could not be processed because of an unexpected error (job %(job)s); the details are in the server log."
)
MSG_WORKER_LOST = _("The worker stopped %(n)s times while processing this file.")

# Per code, the messages by the parameters they need: the first whose parameters are all present.
MESSAGES: dict[str, list[tuple[tuple[str, ...], Any]]] = {
    codes.UNSUPPORTED_FORMAT: [
        (
            ("tool", "expected"),
            _(
                "This file does not have the structure %(tool)s writes (expected: %(expected)s): "
                "retry it with the tool that wrote it."
            ),
        ),
        (("tool",), _("This file is not a %(tool)s output.")),
        (("container",), _("This file is a %(container)s container, not a scanner output Rectify reads.")),
        ((), _("This file is not in any scanner format Rectify reads.")),
    ],
    codes.WRONG_TOOL: [
        (("tool", "detected"), _("This file is a %(detected)s output, not %(tool)s: retry it as %(detected)s.")),
    ],
    codes.DAMAGED_FILE: [
        (("format", "truncated"), _("The %(format)s file is truncated: it ends before its structure is complete.")),
        (("format",), _("The %(format)s file is damaged or malformed.")),
        ((), _("The file is damaged or malformed.")),
    ],
    codes.INVALID_VALUE: [
        (("field", "type", "value"), _("Field %(field)s holds “%(value)s”, which is not a valid %(type)s.")),
    ],
    codes.REFERENCE_DATA: [
        (
            (),
            _(
                "This is the εxodus tracker list (reference data), not an analysis of an app: upload the app's "
                "analysis result instead."
            ),
        ),
    ],
    codes.EMPTY_FILE: [((), _("The file is empty."))],
    codes.TOO_LARGE: [
        (("max_line_bytes",), _("A line is longer than %(max_line_bytes)s bytes.")),
        (("max_rows",), _("A sheet has more than %(max_rows)s rows.")),
        (("max_entries",), _("The workbook has more than %(max_entries)s parts.")),
        (("max_mb",), _("The file expands to more than %(max_mb)s MB.")),
        ((), MSG_NO_MEMORY),
    ],
    codes.NOT_UTF8: [
        (("byte",), _("The file is not valid UTF-8 text (invalid byte at position %(position)s).")),
        ((), _("The file is not valid UTF-8 text.")),
    ],
    codes.TOO_DEEP: [
        (("max_depth",), _("The file is nested deeper than %(max_depth)s levels and cannot be read safely.")),
        ((), MSG_TOO_DEEP),
    ],
    codes.NUMBER_TOO_LONG: [
        (("max_digits",), _("The file contains a number with more than %(max_digits)s digits.")),
        ((), MSG_NUMBER_TOO_LONG),
    ],
    codes.XML_FORBIDDEN: [((), MSG_XML_FORBIDDEN)],
    codes.UNKNOWN_TOOL: [(("tool",), _("Unknown scanner “%(tool)s”."))],
    TIMEOUT: [(("minutes",), MSG_TIMEOUT)],
    WORKER_LOST: [(("n",), MSG_WORKER_LOST)],
    FILE_MISSING: [((), MSG_FILE_MISSING)],
    INTERNAL_ERROR: [(("job",), MSG_INTERNAL)],
}

MSG_AT = _("%(message)s (%(position)s)")
POSITIONS: list[tuple[tuple[str, ...], Any]] = [
    (("sheet", "row"), _("sheet “%(sheet)s”, row %(row)s")),
    (("sheet",), _("sheet “%(sheet)s”")),
    (("line", "column"), _("line %(line)s, column %(column)s")),
    (("line",), _("line %(line)s")),
    (("byte",), _("byte %(byte)s")),
]

# Retry rules (see the module docstring).
RETRY_SAME = "same"  # the same file and tool may succeed
RETRY_OTHER_TOOL = "other_tool"  # only with another tool
RETRY_NONE = "none"
RETRYABLE = frozenset({WORKER_LOST, TIMEOUT, INTERNAL_ERROR})
RETRYABLE_WITH_OTHER_TOOL = frozenset({codes.WRONG_TOOL, codes.UNSUPPORTED_FORMAT, codes.UNKNOWN_TOOL})
# Jobs failed before the codes above existed: any retry was offered then; keep offering one with a tool.
LEGACY_CODES = frozenset({"invalid_file", "bad_json", "bad_xml", "bad_archive"})


@dataclass(frozen=True)
class Failure:
    """One failure: ``params`` are language-neutral values; ``position`` where in the file, or None."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    position: dict[str, Any] | None = None
    detail: str = ""

    @property
    def stored_params(self) -> dict[str, Any]:
        """What ``ScanJob.failure_params`` keeps: the parameters, the position and the detail."""
        stored = dict(self.params)
        if self.position:
            stored["position"] = self.position
        if self.detail:
            stored["detail"] = self.detail
        return stored

    def reason(self) -> str:
        """The message in the active language."""
        return message(self.code, self.stored_params)


def _detail(exc: BaseException) -> str:
    return str(exc).strip()[:300] or type(exc).__name__


def explain(exc: BaseException, *, job_id: int, soft_time_limit: int) -> Failure:
    """The failure an exception raised while ingesting a file stands for."""
    if isinstance(exc, ScanError):
        return Failure(exc.code, exc.params, exc.position, exc.reason[:1000])
    if isinstance(exc, SoftTimeLimitExceeded):
        return Failure(TIMEOUT, {"minutes": soft_time_limit // 60})
    if isinstance(exc, RecursionError):
        return Failure(codes.TOO_DEEP)
    if isinstance(exc, UnicodeDecodeError):
        return Failure(codes.NOT_UTF8, {"byte": exc.start}, {"byte": exc.start})
    if isinstance(exc, DefusedXmlException):
        return Failure(codes.XML_FORBIDDEN)
    if isinstance(exc, ParseError | ExpatError | SAXParseException):
        return Failure(codes.DAMAGED_FILE, {"format": "XML"}, detail=_detail(exc))
    if isinstance(exc, ijson.JSONError | json.JSONDecodeError):
        return Failure(codes.DAMAGED_FILE, {"format": "JSON"}, detail=_detail(exc))
    if isinstance(exc, zipfile.BadZipFile | zlib.error):
        return Failure(codes.DAMAGED_FILE, {"format": "ZIP"}, detail=_detail(exc))
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return Failure(codes.NUMBER_TOO_LONG)
    if isinstance(exc, MemoryError):
        return Failure(codes.TOO_LARGE)
    if isinstance(exc, FileNotFoundError):
        logger.error("scan job %s: stored file missing", job_id, exc_info=exc)
        return Failure(FILE_MISSING)
    logger.error("scan job %s failed unexpectedly", job_id, exc_info=exc)
    return Failure(INTERNAL_ERROR, {"job": job_id})


def _pick(options: list[tuple[tuple[str, ...], Any]], params: dict[str, Any]) -> Any | None:
    for needed, text in options:
        if all(params.get(key) not in (None, "") for key in needed):
            return text
    return None


def position_text(position: dict[str, Any] | None) -> str:
    """Where in the file, in the active language ("" when unknown)."""
    if not position:
        return ""
    text = _pick(POSITIONS, position)
    return str(text % position) if text is not None else ""


def message(code: str, params: dict[str, Any] | None, *, fallback: str = "") -> str:
    """The failure's message in the active language, from its code and stored parameters.

    An unknown code (a job failed before the codes existed) answers ``fallback``, the stored reason.
    """
    params = dict(params or {})
    text = _pick(MESSAGES.get(code, []), params)
    if text is None:
        return fallback
    values = {key: value for key, value in params.items() if key not in ("position", "detail")}
    for key in ("tool", "detected"):  # tools by the name people know them by (mobsf → MobSF)
        if isinstance(values.get(key), str):
            values[key] = registry.display_name(values[key])
    if code == codes.NOT_UTF8:
        values["position"] = params.get("byte")
    built = str(text % values) if "%(" in str(text) else str(text)
    position = params.get("position")
    if code == codes.NOT_UTF8 and isinstance(position, dict):
        position = {key: value for key, value in position.items() if key != "byte"}  # the message says it
    where = position_text(position)
    return str(MSG_AT % {"message": built, "position": where}) if where else built


def job_message(job) -> str:
    """Why ``job`` failed, in the active language (its stored reason when the code is unknown)."""
    return message(job.failure_code, job.failure_params, fallback=job.failure_reason)


def retry_rule(code: str) -> str:
    """``same``, ``other_tool`` or ``none``: what retrying a job that failed with ``code`` needs."""
    if code in RETRYABLE:
        return RETRY_SAME
    if code in RETRYABLE_WITH_OTHER_TOOL or code in LEGACY_CODES:
        return RETRY_OTHER_TOOL
    return RETRY_NONE


def suggested_tool(code: str, params: dict[str, Any] | None) -> str | None:
    """The tool to retry with: for ``wrong_tool``, the one whose format the file is; else None."""
    return (params or {}).get("detected") if code == codes.WRONG_TOOL else None
