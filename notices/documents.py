"""Turn a notice row into the renderer's ``NoticeDocument`` (the PDF is drawn by notices.rendering)."""

import datetime

from .models import Notice
from .rendering import NoticeDocument, OrderItem, Row
from .texts import paragraphs


def notice_document(*, notice: Notice, date: datetime.date, access_code: str = "") -> NoticeDocument:
    """The document as it will be printed. ``date`` is the publication date (Asia/Shanghai)."""
    rows = tuple(
        Row(seq=e.seq, name=e.name, developer=e.developer, source=e.source, version=e.version, issues=e.issues)
        for e in notice.entries.order_by("position")
    )
    items = tuple(
        OrderItem(
            violation_code=i.violation_code,
            violation_name=i.violation_name,
            legal_basis=i.legal_basis,
            evidence_summary=i.evidence_summary,
        )
        for i in notice.items.order_by("position")
    )
    return NoticeDocument(
        kind=notice.kind,
        series=notice.series,
        title=notice.title,
        batch_line=notice.batch_label,
        doc_number=notice.doc_number,
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
        deadline=notice.deadline,
        how_to_answer=notice.how_to_answer,
        access_code=access_code,
    )
