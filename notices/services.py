"""Writes for notices other than status moves: drafting, editing drafts, corrections, and showing
an order's access code once.

Status moves (approve, publish, supersede) live in ``notices.workflow``.
"""

from collections import OrderedDict

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict, InvalidInput
from accounts.roles import NOTICE_APPROVE, NOTICE_DRAFT, require
from accounts.scoping import require_act
from cases.models import Case, Inspection
from cases.timeline.selectors import timeline_annex
from notices import error_codes
from products.models import ProductKind

from . import events, handover, texts
from .legal_basis import statute_form
from .models import Notice, NoticeEntry, NoticeItem, NoticeKind, NoticeSeries, NoticeStatus
from .selectors import confirmed_findings, draftable_cases

MSG_NO_CASES = _("Pick at least one case.")
MSG_NOT_ELIGIBLE = _("Some cases cannot be listed on this kind of notice in their current state.")
MSG_ONE_CASE = _("An order to rectify concerns exactly one case.")
MSG_MIXED = _("Apps (SDKs), smart terminals and offline scenarios are named in separate notice series.")
MSG_NO_FINDINGS = _("A listed case has no confirmed findings.")
MSG_FROZEN = _("Only a draft can be edited; an approved or published notice is frozen.")
MSG_BAD_KIND = _("Unknown kind of notice.")
MSG_CORRECT_PUBLISHED = _("Only the published version of a notice can be corrected.")
MSG_CORRECTION_EXISTS = _("A correction of this notice already exists.")
MSG_MIXED_AUTHORITIES = _("A notice is issued by one authority: the cases belong to several.")

EDITABLE_FIELDS = (
    "title",
    "authority",
    "addressee",
    "opening",
    "closing",
    "attachment_title",
    "signature",
    "tested",
    "how_to_answer",
)
ENTRY_FIELDS = ("name", "developer", "source", "version", "address", "scenario", "issues")
# A row's fields copied as they are when a correction is drafted.
ENTRY_COPIED = ("seq", "case_id", *ENTRY_FIELDS, "division_code", "issue_codes")
ITEM_FIELDS = ("legal_basis", "evidence_summary")  # an order's problems: what a correction may fix
ISSUE_JOINER = "、"  # NOTICE-FORMAT.md §2: several taxonomy names joined with 、


class NoticeFrozen(Conflict):
    code = error_codes.NOTICE_FROZEN
    default_message = MSG_FROZEN


def _locked(notice: Notice, actor=None) -> Notice:
    """The notice locked, once ``actor`` is known to act for its issuer (accounts.scoping)."""
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    require_act(actor, locked.issuer_id)
    return locked


def _series_for(kind: str, cases: list[Case]) -> str:
    if kind == NoticeKind.ORDER:
        return NoticeSeries.ORDER
    if kind == NoticeKind.REMOVAL:
        return NoticeSeries.REMOVAL
    series = {SERIES_OF_KIND.get(c.product.kind, NoticeSeries.APP) for c in cases}
    if len(series) > 1:
        raise InvalidInput(MSG_MIXED, code=error_codes.NOTICE_MIXED_SERIES)
    return series.pop()


# The naming series of each kind of product (apps, SDKs and mini programs share the APP series).
SERIES_OF_KIND = {ProductKind.TERMINAL: NoticeSeries.TERMINAL, ProductKind.SCENARIO: NoticeSeries.SCENARIO}


def _version_label(case: Case, series: str) -> str:
    pv = case.product_version
    if series == NoticeSeries.TERMINAL:
        return pv.package_name or pv.version  # 产品型号: the model is kept as package name or model
    return pv.version


def _issues(findings) -> tuple[str, str]:
    """Distinct taxonomy names (in code order) joined with 、, and their codes joined with ;."""
    types = OrderedDict()
    for f in findings:
        types.setdefault(f.violation_type.code, f.violation_type.name_zh)
    return ISSUE_JOINER.join(types.values()), ";".join(types.keys())


def _campaign_name(cases: list[Case]) -> str:
    campaigns = {c.campaign_id: c.campaign for c in cases}
    if len(campaigns) == 1:
        return next(iter(campaigns.values())).name
    return "APP侵害用户权益专项整治行动"


def _venue(case: Case) -> dict:
    """The venue columns of a scenario's row (地址, 场景, division code); empty for other kinds."""
    if case.product.kind != ProductKind.SCENARIO:
        return {}
    scenario = case.product.scenario
    return {
        "address": scenario.address,
        "scenario": texts.SCENARIO_TYPES.get(scenario.scenario_type, scenario.scenario_type),
        "division_code": scenario.division_code,
    }


def _tested(case: Case) -> str:
    inspection = (
        Inspection.objects.filter(findings__case=case).select_related("agency").order_by("-date", "-id").first()
    )
    pv = case.product_version
    if case.product.kind == ProductKind.SCENARIO:
        venue = _venue(case)
        parts = [f"{case.product.name}（{venue['address']}，{venue['scenario']}）", f"现场检查日期：{pv.version}"]
        if inspection is not None:
            parts.append(f"检测机构：{inspection.agency.name}")
        return "，".join(parts)
    parts = [f"《{case.product.name}》", f"版本：{pv.version}"]
    if pv.source:
        parts.append(f"来源：{pv.source}")
    if inspection is not None:
        parts.append(f"检测日期：{inspection.date.year}年{inspection.date.month}月{inspection.date.day}日")
        parts.append(f"检测机构：{inspection.agency.name}")
    return "，".join(parts)


def notice_draft(*, actor, kind: str, case_ids: list[int]) -> Notice:
    """Draft a notice from cases, freezing each row's text as it reads today.

    naming: overdue cases; removal: named cases past their deadline; order: one open case with
    confirmed findings. Rows of the same product share one 序号.
    """
    require(actor, NOTICE_DRAFT)
    if kind not in NoticeKind.values:
        raise InvalidInput(MSG_BAD_KIND, code=error_codes.NOTICE_KIND_INVALID)
    ids = sorted({int(i) for i in case_ids})
    if not ids:
        raise InvalidInput(MSG_NO_CASES, code=error_codes.NOTICE_NO_CASES)
    if kind == NoticeKind.ORDER and len(ids) != 1:
        raise InvalidInput(MSG_ONE_CASE, code=error_codes.NOTICE_ORDER_ONE_CASE)
    with transaction.atomic():
        # Lock the cases so two drafters cannot put the same case on two drafts at once.
        locked = set(Case.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        cases = list(draftable_cases(kind=kind).filter(pk__in=locked))
        found = {c.pk for c in cases}
        if found != set(ids):
            raise InvalidInput(
                MSG_NOT_ELIGIBLE, code=error_codes.NOTICE_CASE_NOT_ELIGIBLE, cases=sorted(set(ids) - found)
            )
        issuers = {c.authority_id for c in cases}
        if len(issuers) != 1:
            raise InvalidInput(MSG_MIXED_AUTHORITIES, code=error_codes.NOTICE_MIXED_AUTHORITIES)
        issuer = cases[0].authority
        require_act(actor, issuer.pk)
        series = _series_for(kind, cases)
        findings: dict[int, list] = {}
        for f in confirmed_findings(ids):
            findings.setdefault(f.case_id, []).append(f)
        if any(not findings.get(c.pk) for c in cases):
            raise InvalidInput(MSG_NO_FINDINGS, code=error_codes.NOTICE_CASE_WITHOUT_FINDINGS)
        campaign = cases[0].campaign if len({c.campaign_id for c in cases}) == 1 else None
        fill = {"campaign": _campaign_name(cases), "count": len({c.product_id for c in cases})}
        fill["products"] = texts.PRODUCT_WORDS[series]
        notice = Notice.objects.create(
            kind=kind,
            series=series,
            campaign=campaign,
            issuer=issuer,
            title=texts.TITLES[series],
            authority=issuer.masthead,
            opening=texts.as_issued_by(texts.OPENING[kind].format(**fill), authority=issuer),
            closing=texts.as_issued_by(texts.CLOSING[kind].format(**fill), authority=issuer),
            attachment_title=texts.as_issued_by(texts.ATTACHMENT_TITLES[series], authority=issuer),
            signature=issuer.signature,
            drafted_by=actor,
        )
        if kind == NoticeKind.ORDER:
            case = cases[0]
            notice.case = case
            notice.vendor = case.vendor
            notice.addressee = f"{case.vendor.name}："
            notice.tested = _tested(case)
            notice.how_to_answer = texts.HOW_TO_ANSWER
            notice.save(update_fields=["case", "vendor", "addressee", "tested", "how_to_answer"])
            # The cited timeline windows as they stand now: the order prints them as annexes.
            annex = timeline_annex(finding_ids=[f.pk for f in findings[case.pk]])
            NoticeItem.objects.bulk_create(
                NoticeItem(
                    notice=notice,
                    position=i,
                    finding_id_snapshot=f.pk,
                    violation_code=f.violation_type.code,
                    violation_name=f.violation_type.name_zh,
                    legal_basis=statute_form(f.violation_type.legal_basis),
                    legal_basis_en=f.violation_type.legal_basis,
                    evidence_summary=f"{f.title}：{f.description}" if f.description else f.title,
                    timeline=annex.get(f.pk, []),
                )
                for i, f in enumerate(findings[case.pk], start=1)
            )
        else:
            _create_entries(notice=notice, cases=cases, findings=findings, series=series)
        events.record(
            notice=notice, kind=events.DRAFTED, actor=actor, to_status=NoticeStatus.DRAFT, data={"cases": ids}
        )
    return notice


def _create_entries(*, notice: Notice, cases: list[Case], findings: dict, series: str) -> None:
    seq_of: dict[int, int] = {}
    rows = []
    for position, case in enumerate(cases, start=1):
        seq = seq_of.setdefault(case.product_id, len(seq_of) + 1)
        issues, codes = _issues(findings[case.pk])
        rows.append(
            NoticeEntry(
                notice=notice,
                position=position,
                seq=seq,
                case=case,
                name=case.product.name,
                developer=case.vendor.name,
                source=case.product_version.source,
                version=_version_label(case, series),
                issues=issues,
                issue_codes=codes,
                **_venue(case),
            )
        )
    NoticeEntry.objects.bulk_create(rows)


def notice_update(*, actor, notice: Notice, **changes) -> Notice:
    """Edit the text of a draft. Approval freezes it."""
    require(actor, NOTICE_DRAFT)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(code=error_codes.NOTICE_FIELD_NOT_EDITABLE, fields=sorted(unknown))
    with transaction.atomic():
        locked = _locked(notice, actor)
        if not locked.is_editable:
            raise NoticeFrozen(status=locked.status)
        changed = sorted(f for f, v in changes.items() if getattr(locked, f) != v)
        for field in changed:
            setattr(locked, field, changes[field])
        if changed:
            locked.save(update_fields=changed)
            events.record(notice=locked, kind=events.EDITED, actor=actor, data={"fields": changed})
    return locked


def _row_update(*, actor, row, allowed, label: str, changes: dict):
    """Edit one row (an entry or an order's problem) of an editable notice: audited, under its lock."""
    require(actor, NOTICE_DRAFT)
    unknown = set(changes) - set(allowed)
    if unknown:
        raise InvalidInput(code=error_codes.NOTICE_FIELD_NOT_EDITABLE, fields=sorted(unknown))
    with transaction.atomic():
        notice = _locked(row.notice, actor)
        if not notice.is_editable:
            raise NoticeFrozen(status=notice.status)
        row = type(row).objects.get(pk=row.pk)
        changed = sorted(f for f, v in changes.items() if getattr(row, f) != v)
        for field in changed:
            setattr(row, field, changes[field])
        if changed:
            row.save(update_fields=changed)
            events.record(notice=notice, kind=events.EDITED, actor=actor, data={label: row.pk, "fields": changed})
    return row


def notice_entry_update(*, actor, entry: NoticeEntry, **changes) -> NoticeEntry:
    """Correct the text of one row of a draft (e.g. a misspelt developer in a correction)."""
    return _row_update(actor=actor, row=entry, allowed=ENTRY_FIELDS, label="entry", changes=changes)


def notice_item_update(*, actor, item: NoticeItem, **changes) -> NoticeItem:
    """Correct the legal basis or evidence of one problem of a draft order."""
    return _row_update(actor=actor, row=item, allowed=ITEM_FIELDS, label="item", changes=changes)


def notice_correct(*, actor, notice: Notice, reason: str = "") -> Notice:
    """Start a correction: a new draft version that, once published, supersedes this one.

    The correction keeps the batch (or document) number of the version it corrects.
    """
    require(actor, NOTICE_DRAFT)
    with transaction.atomic():
        locked = _locked(notice, actor)
        if locked.status != NoticeStatus.PUBLISHED:
            raise Conflict(MSG_CORRECT_PUBLISHED, code=error_codes.NOTICE_NOT_PUBLISHED, status=locked.status)
        if Notice.objects.filter(supersedes=locked).exists():
            raise Conflict(MSG_CORRECTION_EXISTS, code=error_codes.NOTICE_CORRECTION_EXISTS)
        copy = Notice.objects.create(
            kind=locked.kind,
            series=locked.series,
            issuer_id=locked.issuer_id,
            campaign=locked.campaign,
            vendor=locked.vendor,
            case=locked.case,
            version=locked.version + 1,
            supersedes=locked,
            drafted_by=actor,
            **{f: getattr(locked, f) for f in EDITABLE_FIELDS},
        )
        NoticeEntry.objects.bulk_create(
            NoticeEntry(notice=copy, position=e.position, **{f: getattr(e, f) for f in ENTRY_COPIED})
            for e in locked.entries.order_by("position")
        )
        NoticeItem.objects.bulk_create(
            NoticeItem(
                notice=copy,
                position=i.position,
                finding_id_snapshot=i.finding_id_snapshot,
                violation_code=i.violation_code,
                violation_name=i.violation_name,
                legal_basis=i.legal_basis,
                legal_basis_en=i.legal_basis_en,
                evidence_summary=i.evidence_summary,
                timeline=i.timeline,
            )
            for i in locked.items.order_by("position")
        )
        events.record(
            notice=copy,
            kind=events.CORRECTION_DRAFTED,
            actor=actor,
            to_status=NoticeStatus.DRAFT,
            reason=reason,
            data={"supersedes": locked.pk},
        )
    return copy


# ---------------------------------------------------------------- access codes of orders


def order_access_code_reveal(*, actor, notice: Notice) -> str | None:
    """Return the plain access code of a just-published order once; afterwards only the PDF has it."""
    require(actor, NOTICE_APPROVE)
    require_act(actor, notice.issuer_id)
    return handover.access_code_take(notice=notice)
