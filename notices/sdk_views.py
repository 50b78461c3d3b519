"""Pages of the SDK fan-out's letters (regulators) and of the SDKs on the public register (issue 18)."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.errors import DomainError
from accounts.policies import policy
from accounts.roles import CASE_VIEW, NOTICE_APPROVE, PUBLIC
from cases import selectors as case_selectors
from cases.web import found_or_404

from . import public_sdks, sdk_letters
from .models import SdkLetter

MSG_LETTERS_ISSUED = _("%(count)d letters are being sent to the vendors.")


@policy({"POST": NOTICE_APPROVE})
@require_POST
def sdk_letters_issue(request, pk: int):
    case = found_or_404(case_selectors.case_get_for, actor=request.user, case_id=pk)
    try:
        letters = sdk_letters.sdk_letters_issue(actor=request.user, case=case)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, MSG_LETTERS_ISSUED % {"count": len(letters)})
    return redirect("case-detail", pk=case.pk)


@policy({"GET": CASE_VIEW})
def sdk_letter_pdf(request, pk: int):
    letter = SdkLetter.objects.select_related("sdk_case", "vendor").filter(pk=pk).first()
    if letter is None or not letter.pdf:
        raise Http404
    return FileResponse(
        letter.pdf.open("rb"),
        as_attachment=True,
        filename=f"sdk-letter-{letter.sdk_case.number}-{letter.vendor.credit_code}.pdf",
        content_type="application/pdf",
    )


@policy({"GET": PUBLIC})
def register_sdks(request):
    return render(request, "notices/public/sdks.html", {"sdks": public_sdks.named_sdks()})


@policy({"GET": PUBLIC})
def register_sdk(request, pk: int):
    sdk = public_sdks.named_sdk(sdk_id=pk)
    if sdk is None:
        raise Http404
    return render(request, "notices/public/sdk.html", {"sdk": sdk, "rows": public_sdks.asked_apps(sdk_id=pk)})
