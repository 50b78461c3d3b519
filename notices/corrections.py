"""What a correction changes against the version it corrects: text, listed rows and order items.

Read-only. The approval refuses a correction that changes nothing (``workflow.notice_approve``), and
the regulator's side-by-side page shows the differences (``views.notice_changes``).
"""

import difflib
from dataclasses import dataclass, field

from .models import Notice, NoticeEntry, NoticeItem

# The text fields a correction may change (services.EDITABLE_FIELDS), in the order of the page.
TEXT_FIELDS = (
    "title",
    "authority",
    "addressee",
    "opening",
    "tested",
    "how_to_answer",
    "closing",
    "attachment_title",
    "signature",
)
ENTRY_FIELDS = ("seq", "name", "developer", "source", "version", "issues")
ITEM_FIELDS = ("violation_name", "legal_basis", "evidence_summary")


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


@dataclass(frozen=True)
class Side:
    """One cell of the side-by-side page: the text cut into unchanged and changed runs."""

    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


def _label(model, name: str):
    return model._meta.get_field(name).verbose_name


@dataclass(frozen=True)
class Change:
    name: str  # the field
    label: str  # its verbose name, for the page
    before: Side
    after: Side
    changed: bool


@dataclass
class CorrectionDiff:
    fields: list[Change] = field(default_factory=list)
    rows: list[list[Change]] = field(default_factory=list)  # one list of cells per listed row
    items: list[list[Change]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        cells = [*self.fields, *(c for row in self.rows for c in row), *(c for item in self.items for c in item)]
        return any(c.changed for c in cells)


def _sides(model, name: str, before: str, after: str) -> Change:
    """Mark what differs, character by character (Chinese has no spaces to cut words at)."""
    before, after = str(before), str(after)
    label = _label(model, name)
    if before == after:
        same = Side((Segment(before, False),))
        return Change(name, label, same, same, False)
    old, new = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            old.append(Segment(before[i1:i2], False))
            new.append(Segment(after[j1:j2], False))
            continue
        if i2 > i1:
            old.append(Segment(before[i1:i2], True))
        if j2 > j1:
            new.append(Segment(after[j1:j2], True))
    return Change(name, label, Side(tuple(old)), Side(tuple(new)), True)


def _table(model, before: list, after: list, fields: tuple[str, ...]) -> list[list[Change]]:
    """Rows compared by position; a row only on one side compares with empty cells."""
    table = []
    for index in range(max(len(before), len(after))):
        old = before[index] if index < len(before) else None
        new = after[index] if index < len(after) else None
        table.append(
            [_sides(model, f, getattr(old, f, "") if old else "", getattr(new, f, "") if new else "") for f in fields]
        )
    return table


def correction_diff(*, notice: Notice) -> CorrectionDiff | None:
    """The differences between a correction and the version it corrects (None for a first version)."""
    previous = notice.supersedes
    if previous is None:
        return None
    return CorrectionDiff(
        fields=[_sides(Notice, f, getattr(previous, f), getattr(notice, f)) for f in TEXT_FIELDS],
        rows=_table(
            NoticeEntry,
            list(previous.entries.order_by("position")),
            list(notice.entries.order_by("position")),
            ENTRY_FIELDS,
        ),
        items=_table(
            NoticeItem, list(previous.items.order_by("position")), list(notice.items.order_by("position")), ITEM_FIELDS
        ),
    )
