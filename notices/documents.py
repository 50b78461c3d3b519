"""Turn a notice row into the renderer's ``NoticeDocument`` (the PDF is drawn by notices.rendering)."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.seals import SEAL_MAX_BYTES, check_seal_bytes
from cases.clock.calendar import UnknownCalendarYear, add_working_days

from . import numbering
from .models import Notice, NoticeKind
from .rendering import NoticeDocument, NoticeRenderError, OrderItem, Row, TimelineWindow
from .texts import paragraphs

# Where the blank document number of a preview shows the sequence publication will give.
PREVIEW_SEQUENCE = "　"


def site_address(name: str, query: dict | None = None) -> str:
    """The absolute address of a page for print (``SITE_URL`` + the named URL); '' when unset."""
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    if not base:
        return ""
    return base + reverse(name) + (f"?{urlencode(query)}" if query else "")


def authority_seal(authority) -> bytes:
    """The authority's seal as PNG bytes to print, b"" when it has none (nothing is printed then).

    Read through the storage API (never fetched by URL) at render time, so what is printed is the seal
    of the day of publication; the published PDF is a stored file, and a seal changed later alters
    no notice already published. A seal that is missing from storage or no longer passes the upload
    checks stops the render rather than print a notice without its seal or with a broken one.
    """
    if authority is None or not authority.seal:
        return b""
    name = authority.seal.name
    try:
        with authority.seal.storage.open(name, "rb") as stream:
            data = stream.read(SEAL_MAX_BYTES + 1)
        check_seal_bytes(data)
    except (OSError, ValidationError) as exc:
        raise NoticeRenderError(seal=name, reason=str(exc)) from exc
    return data


def _batch_line(notice: Notice, *, draft: bool) -> str:
    # MIIT's removal lists carry no batch line; a bureau that numbers them turns it on.
    if notice.kind == NoticeKind.REMOVAL and not getattr(settings, "NOTICES_REMOVAL_BATCH_LINE", False):
        return ""
    if draft and notice.supersedes_id:  # a correction keeps the batch of the version it corrects
        return notice.supersedes.batch_label
    return notice.batch_label


def _preview_order(notice: Notice, date: datetime.date) -> dict:
    """What publication will give an order, as far as a preview can know it today."""
    days = notice.case.campaign.deadline_working_days
    previous = notice.supersedes
    if previous is not None:  # a correction keeps the number and the deadline of the served letter
        return {"deadline": previous.deadline, "deadline_days": days, "doc_number": previous.doc_number}
    try:
        deadline = add_working_days(date, days)
    except UnknownCalendarYear:
        deadline = None
    doc_number = f"{numbering.order_prefix(notice.issuer)}〔{date.year}〕{PREVIEW_SEQUENCE}号"
    return {"deadline": deadline, "deadline_days": days, "doc_number": doc_number}


def notice_document(
    *, notice: Notice, date: datetime.date, access_code: str = "", draft: bool = False
) -> NoticeDocument:
    """The document as it will be printed. ``date`` is the publication date (Asia/Shanghai).

    ``draft`` gives the preview of a notice not yet published: the same document, watermarked,
    with the deadline counted from ``date`` and the document number's sequence left blank.
    """
    rows = tuple(
        Row(
            seq=e.seq,
            name=e.name,
            developer=e.developer,
            source=e.source,
            version=e.version,
            issues=e.issues,
            address=e.address,
            scenario=e.scenario,
        )
        for e in notice.entries.order_by("position")
    )
    items = tuple(
        OrderItem(
            violation_code=i.violation_code,
            violation_name=i.violation_name,
            legal_basis=i.legal_basis,
            evidence_summary=i.evidence_summary,
            timeline=tuple(
                TimelineWindow(
                    start=w["start"], end=w["end"], total=w["total"], rows=tuple(tuple(row) for row in w["rows"])
                )
                for w in (i.timeline or ())
            ),
        )
        for i in notice.items.order_by("position")
    )
    order = {}
    if notice.kind == NoticeKind.ORDER:
        case = notice.case
        order = {
            "case_number": case.number,
            "deadline": notice.deadline,
            "deadline_days": case.campaign.deadline_working_days,
            "doc_number": notice.doc_number,
            "portal_url": site_address("portal:claim", {"case": case.number}),
        }
        if draft:
            order.update(_preview_order(notice, date))
    return NoticeDocument(
        kind=notice.kind,
        series=notice.series,
        title=notice.title,
        batch_line=_batch_line(notice, draft=draft),
        doc_number=order.get("doc_number", notice.doc_number),
        authority=notice.authority,
        addressee=notice.addressee,
        opening=paragraphs(notice.opening),
        closing=paragraphs(notice.closing),
        attachment_title=notice.attachment_title,
        signature=notice.signature,
        date=date,
        rows=rows,
        items=items,
        tested=notice.tested,
        deadline=order.get("deadline", notice.deadline),
        how_to_answer=notice.how_to_answer,
        access_code=access_code,
        case_number=order.get("case_number", ""),
        deadline_days=order.get("deadline_days"),
        portal_url=order.get("portal_url", ""),
        verify_url=site_address("notices:public-verify"),
        draft=draft,
        seal=authority_seal(notice.issuer),
    )


def notice_preview_date() -> datetime.date:
    """The date a preview prints: today in the regulator's zone, as publication would."""
    return timezone.localdate()
