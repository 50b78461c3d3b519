"""Why a scan job failed, as a stable code and a sentence a person can act on.

Parsers refuse bad input with ``ScanError`` and their own sentence (code ``invalid_file``). This
module also names what could still get through or happen beside them (a decoder error, recursion, a
time limit, a missing stored file), so no bad file ends as an unexplained crash. Anything not
recognised is logged with its traceback and reported as an internal error.
"""

import json
import logging
import zipfile
import zlib
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError
from xml.sax import SAXParseException

import ijson
from billiard.exceptions import SoftTimeLimitExceeded
from defusedxml import DefusedXmlException
from django.utils.translation import gettext_lazy as _

from cases.scanners import ScanError

logger = logging.getLogger(__name__)

MSG_TOO_DEEP = _("The file is nested too deeply to be read safely.")
MSG_NOT_UTF8 = _("The file is not valid UTF-8 text (invalid byte at position %(position)s).")
MSG_BAD_JSON = _("The JSON is malformed or truncated: %(detail)s")
MSG_XML_FORBIDDEN = _("The XML declares entities, a DTD or an external reference; such files are refused for safety.")
MSG_BAD_XML = _("The XML is malformed: %(detail)s")
MSG_BAD_ARCHIVE = _("The archive is damaged or not a valid ZIP/XLSX file.")
MSG_NUMBER_TOO_LONG = _("The file contains a number with too many digits.")
MSG_NO_MEMORY = _("The file needs more memory than one job may use.")
MSG_FILE_MISSING = _("The stored file is missing; upload it again.")
MSG_TIMEOUT = _("Reading the file took longer than %(minutes)s minutes; split it into smaller files.")
MSG_INTERNAL = _(
    "The file could not be processed because of an unexpected error (job %(job)s); the details are in the server log."
)


def _detail(exc: BaseException) -> str:
    return str(exc).strip()[:300] or type(exc).__name__


def explain(exc: BaseException, *, job_id: int, soft_time_limit: int) -> tuple[str, str]:
    """Return (code, reason) for an exception raised while ingesting a file."""
    if isinstance(exc, ScanError):
        return "invalid_file", str(exc)
    if isinstance(exc, SoftTimeLimitExceeded):
        return "timeout", str(MSG_TIMEOUT % {"minutes": soft_time_limit // 60})
    if isinstance(exc, RecursionError):
        return "too_deep", str(MSG_TOO_DEEP)
    if isinstance(exc, UnicodeDecodeError):
        return "not_utf8", str(MSG_NOT_UTF8 % {"position": exc.start})
    if isinstance(exc, DefusedXmlException):
        return "xml_forbidden", str(MSG_XML_FORBIDDEN)
    if isinstance(exc, ParseError | ExpatError | SAXParseException):
        return "bad_xml", str(MSG_BAD_XML % {"detail": _detail(exc)})
    if isinstance(exc, ijson.JSONError | json.JSONDecodeError):
        return "bad_json", str(MSG_BAD_JSON % {"detail": _detail(exc)})
    if isinstance(exc, zipfile.BadZipFile | zlib.error):
        return "bad_archive", str(MSG_BAD_ARCHIVE)
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return "number_too_long", str(MSG_NUMBER_TOO_LONG)
    if isinstance(exc, MemoryError):
        return "too_large", str(MSG_NO_MEMORY)
    if isinstance(exc, FileNotFoundError):
        logger.error("scan job %s: stored file missing", job_id, exc_info=exc)
        return "file_missing", str(MSG_FILE_MISSING)
    logger.error("scan job %s failed unexpectedly", job_id, exc_info=exc)
    return "internal_error", str(MSG_INTERNAL % {"job": job_id})
