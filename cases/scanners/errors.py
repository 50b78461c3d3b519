"""Why a scanner output cannot be read: a stable code, its parameters and where in the file.

``ScanError.reason`` is a technical sentence in English (logs, tests, the detail a developer reads);
what a person sees is rebuilt from ``code`` and ``params`` in their language by
``cases.ingest.failures``. ``position`` says where the problem is, with the keys that apply:
``line``/``column``/``byte`` for text and JSON, ``sheet``/``row`` for workbooks.

Parameter values are language-neutral (numbers, tool names, field names, format names such as
``JSON``), never sentences, so any message can be built from them in any language.
"""

from __future__ import annotations

from typing import Any

# The file is not in a format any parser reads, or not the structure the named tool writes.
UNSUPPORTED_FORMAT = "unsupported_format"
# The named tool's structure check failed and another tool's signature matches the file.
WRONG_TOOL = "wrong_tool"
# Truncated or malformed JSON, XML, ZIP/XLSX, XLS.
DAMAGED_FILE = "damaged_file"
# A value the format defines (a Zeek time, count, bool) holds something else.
INVALID_VALUE = "invalid_value"
# The εxodus tracker list (reference data) uploaded instead of an analysis.
REFERENCE_DATA = "reference_data"
EMPTY_FILE = "empty_file"
TOO_LARGE = "too_large"
NOT_UTF8 = "not_utf8"
TOO_DEEP = "too_deep"
NUMBER_TOO_LONG = "number_too_long"
# DTD, entity declarations or external references in XML (refused for safety).
XML_FORBIDDEN = "xml_forbidden"
UNKNOWN_TOOL = "unknown_tool"


class ScanError(Exception):
    """A scanner output that cannot be read.

    ``reason``: an English sentence for logs; ``code``: one of the constants above; ``params``:
    language-neutral values the message is built from; ``position``: where in the file, or None.
    """

    def __init__(
        self,
        reason: str,
        *,
        code: str = DAMAGED_FILE,
        params: dict[str, Any] | None = None,
        position: dict[str, Any] | None = None,
    ):
        self.reason = reason
        self.code = code
        self.params = dict(params or {})
        self.position = dict(position) if position else None
        super().__init__(reason)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON (to cross a process boundary, see ``safejson.aside``)."""
        return {"error": self.reason, "code": self.code, "params": self.params, "position": self.position}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanError:
        return cls(
            str(data.get("error") or ""),
            code=str(data.get("code") or DAMAGED_FILE),
            params=data.get("params") if isinstance(data.get("params"), dict) else None,
            position=data.get("position") if isinstance(data.get("position"), dict) else None,
        )

    def at(self, **position: Any) -> ScanError:
        """The same error with more of its position (e.g. the line, added by a line reader)."""
        merged = {**(self.position or {}), **{k: v for k, v in position.items() if v is not None}}
        return ScanError(self.reason, code=self.code, params=self.params, position=merged)


def unsupported(tool: str, expected: str, reason: str) -> ScanError:
    """The structure the named tool writes is not there (``expected``: what was looked for)."""
    return ScanError(reason, code=UNSUPPORTED_FORMAT, params={"tool": tool, "expected": expected})
