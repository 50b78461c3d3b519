"""The SDK fan-out's letters (issue 18; ARCHITECTURE.md, "SDK fan-out").

``sdk_letters_issue`` writes, in one transaction, one ``SdkLetter`` per vendor whose apps embed the
SDK of an SDK case and has no letter for it yet: the app versions concerned and the case's confirmed
findings frozen on the row, the deadline counted in working days on the official calendar
(``cases.clock.calendar``, the campaign's period) from the day of issue, a case event on the SDK
case, and one ``sdk.letter`` outbox job per letter. The job (``sdk_letter_send``) draws the PDF in
the notices' typography, stores it with its SHA-256 and e-mails it to the vendor; a letter already
sent is left as it is (the job's own key).
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.errors import Conflict
from accounts.scoping import require_act
from cases import events as case_events
from cases.clock.calendar import add_working_days
from cases.models import Case, FindingStatus
from cases.notifications import vendor_recipients
from cases.sdks import selectors as sdk_selectors
from cases.sdks.services import sdk_case_check
from outbox.jobs import outbox_job_enqueue

from . import error_codes, rendering, texts
from .documents import authority_seal
from .models import SdkLetter
from .rendering import cn_date, cn_numeral

SEND_JOB = "sdk.letter"
# Case event on the SDK case.
LETTERS_ISSUED = case_events.SDK_LETTERS_ISSUED

TITLE = "关于督促整改嵌入存在问题SDK的APP的通知"
OPENING = (
    "依据" + texts.LEGAL_BASIS + "等法律法规，{campaign}期间，我局发现{sdk}（SDK）存在以下侵害用户权益的问题"
    "（案件编号：{number}）。经检测，你单位的APP嵌入了该SDK，请督促落实整改。"
)
VIA = {"tracker": "跟踪器特征", "package": "代码包名", "host": "网络域名"}

MSG_NOTHING = _("Every vendor embedding this SDK already has a letter for this case.")


def send_job_key(letter_id: int) -> str:
    return f"{SEND_JOB}:{letter_id}"


def _finding_lines(case: Case) -> list[dict]:
    findings = case.findings.filter(status=FindingStatus.CONFIRMED).select_related("violation_type").order_by("id")
    return [
        {
            "number": cn_numeral(number),
            "code": f.violation_type.code,
            "name": f.violation_type.name_zh,
            "legal_basis": f.violation_type.legal_basis,
            "title": f.title,
        }
        for number, f in enumerate(findings, start=1)
    ]


def _evidence_text(embedding) -> str:
    parts: dict[str, None] = {}
    for item in embedding.evidence:
        parts.setdefault(f"{VIA.get(item.get('via'), item.get('via'))}：{item.get('detail', '')}", None)
        if len(parts) >= 3:
            break
    return "；".join(parts)


@transaction.atomic
def sdk_letters_issue(*, actor, case: Case, today: datetime.date | None = None) -> list[SdkLetter]:
    """One letter per vendor of the SDK case's fan-out that has none yet, each sent by the outbox."""
    sdk_case_check(case)
    today = today or timezone.localdate()
    locked = Case.objects.select_for_update().select_related("campaign", "product").get(pk=case.pk)
    require_act(actor, locked.authority_id)  # the SDK case's authority writes its letters
    days = locked.campaign.deadline_working_days
    deadline = add_working_days(today, days)  # UnknownCalendarYear (400) rather than a guess
    done = set(locked.sdk_letters.values_list("vendor_id", flat=True))
    groups = {
        vendor_id: rows
        for vendor_id, rows in sdk_selectors.sdk_vendor_groups(sdk_id=locked.product_id).items()
        if vendor_id not in done
    }
    if not groups:
        raise Conflict(MSG_NOTHING, code=error_codes.SDK_LETTERS_NOTHING)
    lines = _finding_lines(locked)
    letters = []
    for rows in groups.values():
        letter = SdkLetter.objects.create(
            sdk_case=locked,
            vendor=rows[0].vendor,
            rows=[
                {
                    "app": row.app.name,
                    "version": row.app_version.version,
                    "package": row.app_version.package_name,
                    "evidence": _evidence_text(row),
                }
                for row in rows
            ],
            finding_lines=lines,
            issued_on=today,
            deadline=deadline,
            deadline_days=days,
            created_by=actor,
        )
        letter.embeddings.set(rows)
        outbox_job_enqueue(kind=SEND_JOB, key=send_job_key(letter.pk), payload={"letter_id": letter.pk}, actor=actor)
        letters.append(letter)
    case_events.record(
        case=locked,
        kind=LETTERS_ISSUED,
        actor=actor,
        data={
            "letters": [letter.pk for letter in letters],
            "vendors": [letter.vendor_id for letter in letters],
            "deadline": deadline.isoformat(),
            "working_days": days,
        },
    )
    return letters


def sdk_letter_context(letter: SdkLetter) -> dict:
    case = letter.sdk_case
    authority = case.authority  # the SDK case's authority writes the letter (ARCHITECTURE.md §15)
    opening = OPENING.format(campaign=case.campaign.name, sdk=case.product.name, number=case.number)
    return {
        "doc": {
            "title": TITLE,
            "authority": authority.masthead,
            "signature": authority.signature,
            "kind": "order",
            "draft": False,
        },
        "case_number": case.number,
        "addressee": letter.vendor.name,
        "opening": texts.as_issued_by(opening, authority=authority),
        "finding_lines": letter.finding_lines,
        "rows": letter.rows,
        "deadline_text": f"请于收到本通知之日起{letter.deadline_days}个工作日内（{cn_date(letter.deadline)}前）",
    }


def sdk_letter_render(letter: SdkLetter) -> bytes:
    return rendering.render_letter_pdf(
        template="notices/pdf/sdk_letter.html",
        context=sdk_letter_context(letter),
        date=letter.issued_on,
        seal=authority_seal(letter.sdk_case.authority),
    )


def sdk_letter_send(*, letter_id: int) -> str:
    """The outbox job: draw, store and e-mail the letter once (run in the job's transaction)."""
    letter = (
        SdkLetter.objects.select_for_update(of=("self",))
        .select_related("sdk_case__campaign", "sdk_case__product", "sdk_case__authority", "vendor")
        .get(pk=letter_id)
    )
    if letter.sent_at is not None:
        return "sent"
    pdf = sdk_letter_render(letter)
    letter.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    letter.pdf.save("sdk-letter.pdf", ContentFile(pdf), save=False)
    letter.sent_at = timezone.now()
    letter.save(update_fields=["pdf", "pdf_sha256", "sent_at"])
    recipients = vendor_recipients(letter.vendor)
    if recipients:
        message = EmailMessage(
            subject=f"{TITLE}（{letter.sdk_case.number}）",
            body=f"{letter.vendor.name}：\n\n{TITLE}见附件。\n\n{letter.sdk_case.authority.signature}",
            to=recipients,
        )
        message.attach(f"{letter.sdk_case.number}-{letter.vendor.credit_code}.pdf", pdf, "application/pdf")
        message.send()
    return "sent"
