"""What the renderer prints: plain frozen values, no Django models.

The notices app builds a ``NoticeDocument`` from its rows (``notices.documents``); the renderer only
lays it out. Keeping the boundary free of models makes rendering pure: the same document gives the
same bytes, and the renderer can be tested and benchmarked without a database.
"""

import datetime
from dataclasses import dataclass

KINDS = frozenset({"order", "naming", "removal"})
SERIES = frozenset({"app", "terminal", "scenario", "removal", "order"})


@dataclass(frozen=True)
class Row:
    """One attachment-table row of a naming or removal notice."""

    seq: int  # 序号; consecutive rows of one product share it and print as one merged cell
    name: str  # 应用名称 / 产品名称
    developer: str  # 应用开发者 / 生产企业
    source: str  # 应用来源 ('' for terminals)
    version: str  # 应用版本 / 产品型号
    issues: str  # 所涉问题, taxonomy names joined with 、
    address: str = ""  # 地址 (offline scenarios)
    scenario: str = ""  # 场景 (offline scenarios)


@dataclass(frozen=True)
class TimelineWindow:
    """A window of the inspection's timeline a finding cites: printed as an annex table."""

    start: str  # 2025-03-01 09:00:00
    end: str
    total: int  # rows in the window; at most ``len(rows)`` are printed
    rows: tuple[tuple[str, str, str, str], ...]  # (time, item, detail, before/after consent)


@dataclass(frozen=True)
class OrderItem:
    """One confirmed finding in an order to rectify."""

    violation_code: str
    violation_name: str
    legal_basis: str
    evidence_summary: str
    timeline: tuple[TimelineWindow, ...] = ()


@dataclass(frozen=True)
class NoticeDocument:
    kind: str  # "order" | "naming" | "removal"
    series: str  # "app" | "terminal" | "scenario" | "removal" | "order"
    title: str
    batch_line: str  # （2025年第4批，总第49批）; '' for orders
    doc_number: str  # X信管函〔2025〕12号; '' for naming and removal notices
    authority: str
    addressee: str  # the company, for orders; '' otherwise
    opening: tuple[str, ...]
    closing: tuple[str, ...]
    attachment_title: str
    signature: str
    date: datetime.date
    rows: tuple[Row, ...] = ()
    items: tuple[OrderItem, ...] = ()
    tested: str = ""  # order: product, version, source, date, agency
    deadline: datetime.date | None = None  # order
    how_to_answer: str = ""  # order: the portal and what to submit
    access_code: str = ""  # order: the one-time case access code printed on the letter
    case_number: str = ""  # order: the case number the claim form asks for "as printed on the order"
    deadline_days: int | None = None  # order: the rectification period in working days
    portal_url: str = ""  # order: the claim page of the portal (absolute), also drawn as a QR code
    verify_url: str = ""  # every issued notice: the public verification page (absolute)
    draft: bool = False  # a preview of a draft: watermarked 样稿, numbers and codes not yet given
    # The issuing authority's seal (PNG bytes, checked by accounts.seals), pressed over the signature
    # and date; b"" prints none. Not part of the content fingerprint (fingerprint.py).
    seal: bytes = b""

    def __post_init__(self) -> None:
        # A typo here would silently pick the wrong layout or column set: refuse it early.
        if self.kind not in KINDS:
            raise ValueError(f"unknown notice kind {self.kind!r}")
        if self.series not in SERIES:
            raise ValueError(f"unknown notice series {self.series!r}")
