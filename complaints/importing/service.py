"""The import of a complaint platform's export (docs/COMPLAINTS.md §2): one file, one
``ComplaintImport`` row, each good row a complaint, each bad row refused with its reason.

Idempotent: a row whose (channel, external number) was imported before is counted as known and
left alone, so loading the same export twice (or an overlapping later one) duplicates nothing; the
unique constraint ``complaint_unique_external_id`` holds it against a concurrent import. The rows
are checked first; the complaints, their ``imported`` events and the import row are written in one
transaction.
"""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import InvalidInput
from cases.evidence import FileTooLarge
from complaints import error_codes, events, figures
from complaints.importing import mappings
from complaints.importing.reader import ExportUnreadable, parse_date, read_rows
from complaints.models import Complaint, ComplaintEvent, ComplaintImport, SubjectKind
from complaints.services import MAX_TEXT_LENGTH
from products.validators import validate_uscc

# An export of MAX_ROWS rows is a few megabytes; a larger file is not one (413, before it is parsed).
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MSG_TOO_LARGE = gettext_lazy("An export may have at most %(max)s MB.")
MSG_UNREADABLE = gettext_lazy("The file cannot be imported: %(why)s.")
MSG_NO_MAPPING = gettext_lazy("No column mapping fits this file: it lacks the columns %(missing)s.")


def _refusal(number, external_id, reason):
    return {"row": number, "external_id": external_id, "reason": str(reason)}


def _row_fields(mapping, index, row) -> dict[str, str]:
    def cell(name):
        position = index.get(name)
        return row[position].strip() if position is not None and position < len(row) else ""

    return {name: cell(name) for name in mappings.FIELDS}


def _check_row(fields: dict, today: datetime.date, mapping) -> tuple[dict | None, str]:
    """The complaint's values, or None and the reason the row is refused."""
    if not fields["external_id"]:
        return None, _("no complaint number")
    if len(fields["external_id"]) > 64:
        return None, _("the complaint number is longer than 64 characters")
    received = parse_date(fields["received_on"])
    if received is None:
        return None, _("the date “%(value)s” cannot be read") % {"value": fields["received_on"][:40]}
    if received > today:
        return None, _("the date %(date)s is in the future") % {"date": received.isoformat()}
    if not fields["subject_name"]:
        return None, _("no subject named")
    if len(fields["subject_name"]) > 200:
        return None, _("the subject's name is longer than 200 characters")
    text = "\n\n".join(part for part in (fields["text"], fields["text_more"]) if part)
    if not text:
        return None, _("no complaint text")
    if len(text) > MAX_TEXT_LENGTH:
        return None, _("the complaint text is longer than %(max)s characters") % {"max": MAX_TEXT_LENGTH}
    code = fields["subject_credit_code"].upper()
    if code:
        try:
            validate_uscc(code)
        except ValidationError as exc:
            return None, _("credit code %(code)s: %(why)s") % {"code": code[:18], "why": " ".join(exc.messages)}
    if len(fields["subject_package"]) > 200:
        return None, _("the package name is longer than 200 characters")
    email = fields["contact_email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return None, _("the contact e-mail address “%(value)s” is not valid") % {"value": email[:60]}
    if len(fields["contact_phone"]) > 32 or len(fields["contact_name"]) > 100:
        return None, _("the contact is too long")
    kind = mapping.kinds.get(fields["subject_kind"], "") or (
        fields["subject_kind"] if fields["subject_kind"] in SubjectKind.values else SubjectKind.OTHER
    )
    return {
        "external_id": fields["external_id"],
        "received_on": received,
        "subject_name": fields["subject_name"],
        "subject_kind": kind,
        "subject_package": fields["subject_package"],
        "subject_credit_code": code,
        "text": text,
        "demand": fields["demand"][:MAX_TEXT_LENGTH],
        "contact_name": fields["contact_name"],
        "contact_email": email,
        "contact_phone": fields["contact_phone"],
    }, ""


def complaint_import(
    *, actor, data: bytes, original_name: str, mapping_name: str = "", today: datetime.date | None = None
) -> ComplaintImport:
    """Import an export's rows as complaints of its platform's channel; return the import with its
    counts and refusals. A file no mapping fits, or that cannot be read, is refused whole (400)."""
    today = today or timezone.localdate()
    if len(data) > MAX_IMPORT_BYTES:
        raise FileTooLarge(MSG_TOO_LARGE % {"max": MAX_IMPORT_BYTES // (1024 * 1024)})
    try:
        header, rows = read_rows(data)
    except ExportUnreadable as exc:
        raise InvalidInput(MSG_UNREADABLE % {"why": exc}, code=error_codes.COMPLAINT_IMPORT_INVALID) from None
    if mapping_name:
        mapping = mappings.MAPPINGS[mapping_name]
        missing = mappings.missing_required(mapping, header)
    else:
        mapping = mappings.detect(header)
        missing = mappings.missing_required(mappings.HEIMAO, header) if mapping is None else []
    if mapping is None or missing:
        raise InvalidInput(MSG_NO_MAPPING % {"missing": "、".join(missing)}, code=error_codes.COMPLAINT_IMPORT_INVALID)
    index = mappings.header_index(mapping, header)

    refusals, good, first_row = [], [], {}
    for number, row in rows:
        fields = _row_fields(mapping, index, row)
        values, reason = _check_row(fields, today, mapping)
        if values is None:
            refusals.append(_refusal(number, fields["external_id"], reason))
            continue
        if values["external_id"] in first_row:
            refusals.append(
                _refusal(
                    number,
                    values["external_id"],
                    _("the complaint number is already on row %(row)s of this file")
                    % {"row": first_row[values["external_id"]]},
                )
            )
            continue
        first_row[values["external_id"]] = number
        good.append(values)

    with transaction.atomic():
        known = set(
            Complaint.objects.filter(channel=mapping.channel, external_id__in=list(first_row)).values_list(
                "external_id", flat=True
            )
        )
        fresh = [values for values in good if values["external_id"] not in known]
        record = ComplaintImport.objects.create(
            channel=mapping.channel,
            mapping=mapping.name,
            original_name=(original_name or "export")[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            rows_total=len(rows),
            rows_imported=len(fresh),
            rows_known=len(good) - len(fresh),
            rows_refused=len(refusals),
            refusals=refusals,
            created_by=actor,
        )
        created = Complaint.objects.bulk_create(
            [Complaint(channel=mapping.channel, source_import=record, **values) for values in fresh], batch_size=500
        )
        figures.added(created)
        ComplaintEvent.objects.bulk_create(
            [
                ComplaintEvent(
                    complaint=complaint,
                    kind=events.IMPORTED,
                    actor=actor,
                    to_status=complaint.status,
                    data={"import": record.pk},
                )
                for complaint in created
            ],
            batch_size=500,
        )
    return record
