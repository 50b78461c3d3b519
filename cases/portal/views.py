"""The vendor portal (mounted at /portal/): a vendor's served cases, its orders, its answers.

Every fetch goes through ``cases.portal.selectors`` (scoped to the user's vendor; missing and not
yours are the same 404); every write calls one service. Domain errors become form errors or
messages, never a 500.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.client_address import client_ip
from accounts.errors import DomainError, NotFound
from accounts.policies import policy
from accounts.roles import PORTAL_RESPOND, PORTAL_VIEW, PUBLIC
from cases import access, next_step, responses, web
from cases.portal import selectors as portal_selectors
from cases.portal.forms import ClaimForm, ClaimSignupForm, ExtensionForm, InviteForm, JoinForm, ResponseForm
from cases.web import evidence_response, found_or_404
from config import limits
from config.lists import BoundedPaginator
from products import memberships
from products.selectors import vendor_of

# Cases per page of the portal's list (a large vendor has thousands over the years).
PAGE_SIZE = 50

MSG_RESPONSE_SENT = _("Your rectification report was sent. The regulator will review it.")
MSG_EXTENSION_SENT = _("Your request for more time was sent.")
MSG_CLAIMED = _("Your account is now linked to %(vendor)s. Sign in to see the case.")
MSG_CLAIMED_SIGNED_IN = _("Your account is now linked to %(vendor)s.")
MSG_INVITED = _("%(email)s was invited; an email with a link to choose a user name and password is on its way.")
MSG_REMOVED = _("%(username)s can no longer sign in.")
MSG_NO_VENDOR = _("Your account is not linked to a vendor yet. Claim access with the code printed on your order.")


def _address(request) -> str:
    return client_ip(request)  # the client behind our proxies, not the proxy


def _form_error(form, exc: DomainError) -> None:
    if exc.details and isinstance(exc.details, dict) and all(k in form.fields for k in exc.details):
        for field, errors in exc.details.items():
            for error in errors if isinstance(errors, list) else [errors]:
                form.add_error(field, str(error))
    else:
        form.add_error(None, str(exc.message))


@policy({"GET": PORTAL_VIEW})
def case_list(request):
    if vendor_of(request.user) is None:
        messages.info(request, MSG_NO_VENDOR)
        return redirect("portal:claim")
    paginator = BoundedPaginator(portal_selectors.portal_case_list(actor=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    cases = portal_selectors.with_days_left(page.object_list)
    membership = request.user.membership
    context = {"cases": cases, "membership": membership, "page_obj": page, "paginator": paginator}
    return render(request, "portal/case_list.html", context)


@policy({"GET": PORTAL_VIEW})
def case_detail(request, pk):
    case = found_or_404(portal_selectors.portal_case_get, actor=request.user, case_id=pk)
    timeline = web.timeline(portal_selectors.portal_timeline(case=case))
    context = {
        "case": case,
        "findings": portal_selectors.portal_findings(case=case),
        "orders": portal_selectors.portal_orders(case=case),
        "responses": portal_selectors.portal_responses(case=case),
        "extensions": portal_selectors.portal_extensions(case=case),
        "timeline": timeline,
        "can_respond": case.status in responses.RESPONDABLE,
        "can_ask_extension": case.status in responses.EXTENSION_ASKABLE,
        "next_step": next_step.next_step(case, actor=request.user),
    }
    return render(request, "portal/case_detail.html", context)


@limits.body_limit(limits.upload_limit)
@policy({"GET": PORTAL_VIEW, "POST": PORTAL_RESPOND})
def response_create(request, pk):
    case = found_or_404(portal_selectors.portal_case_get, actor=request.user, case_id=pk)
    form = ResponseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            responses.response_submit(actor=request.user, case=case, **form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, MSG_RESPONSE_SENT)
            next_step.flash(request, case)
            return redirect("portal:case", pk=case.pk)
    return render(request, "portal/response_form.html", {"case": case, "form": form})


@policy({"GET": PORTAL_VIEW, "POST": PORTAL_RESPOND})
def extension_create(request, pk):
    case = found_or_404(portal_selectors.portal_case_get, actor=request.user, case_id=pk)
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            responses.extension_request(actor=request.user, case=case, **form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, MSG_EXTENSION_SENT)
            next_step.flash(request, case)
            return redirect("portal:case", pk=case.pk)
    return render(request, "portal/extension_form.html", {"case": case, "form": form})


@policy({"GET": PORTAL_VIEW})
def evidence_download(request, pk):
    evidence = found_or_404(portal_selectors.portal_evidence_get, actor=request.user, evidence_id=pk)
    return evidence_response(evidence)


@policy({"GET": PORTAL_VIEW})
def order_pdf(request, pk, notice_id):
    case = found_or_404(portal_selectors.portal_case_get, actor=request.user, case_id=pk)
    order = found_or_404(portal_selectors.portal_order_get, case=case, notice_id=notice_id)
    response = FileResponse(order.pdf.open("rb"), as_attachment=True, filename=f"{case.number}-v{order.version}.pdf")
    response["Content-Type"] = "application/pdf"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@policy({"GET": PUBLIC, "POST": PUBLIC})
def claim(request):
    """Claim access with the case number and the code printed on the order.

    Signed-in vendor users without a vendor claim with their account; visitors create one.
    """
    signed_in = request.user.is_authenticated
    if signed_in and vendor_of(request.user) is not None:
        return redirect("portal:cases")
    form_class = ClaimForm if signed_in else ClaimSignupForm
    # The QR code on the order opens this page with its case number filled in (?case=).
    initial = {"case_number": request.GET.get("case", "")[:32].replace("\x00", "")}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if signed_in:
                membership = access.case_access_claim(
                    user=request.user, case_number=data["case_number"], code=data["code"], address=_address(request)
                )
            else:
                membership = access.case_access_claim_signup(
                    username=data["username"],
                    email=data["email"],
                    password=data["password"],
                    case_number=data["case_number"],
                    code=data["code"],
                    address=_address(request),
                )
        except DomainError as exc:
            _form_error(form, exc)
            status = exc.status if exc.status in (400, 403, 409, 429) else 400
            return render(request, "portal/claim.html", {"form": form}, status=status)
        if signed_in:
            messages.success(request, MSG_CLAIMED_SIGNED_IN % {"vendor": membership.vendor.name})
            return redirect("portal:cases")
        messages.success(request, MSG_CLAIMED % {"vendor": membership.vendor.name})
        return redirect(f"{reverse('login')}?next={reverse('portal:cases')}")
    return render(request, "portal/claim.html", {"form": form})


@policy({"GET": PORTAL_VIEW, "POST": PORTAL_RESPOND})
def team(request):
    """A vendor admin's colleagues: invite one, or remove one."""
    try:
        colleagues = list(memberships.membership_list(actor=request.user))
    except DomainError as exc:
        return render(request, "portal/team.html", {"denied": exc.message}, status=exc.status)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            memberships.membership_invite(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, MSG_INVITED % {"email": form.cleaned_data["email"]})
            return redirect("portal:team")
    history = memberships.vendor_event_list(actor=request.user)
    return render(request, "portal/team.html", {"colleagues": colleagues, "form": form, "history": history})


@policy({"POST": PORTAL_RESPOND})
def team_remove(request, user_id):
    try:
        membership = memberships.membership_remove(actor=request.user, user_id=user_id)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        if exc.status == 403:
            return render(request, "portal/team.html", {"denied": exc.message}, status=403)
        messages.error(request, exc.message)
    else:
        user = membership.user
        messages.success(
            request, MSG_REMOVED % {"username": user.email if memberships.is_pending(user) else user.username}
        )
    return redirect("portal:team")


class InvitationView(auth_views.PasswordResetConfirmView):
    """An invited colleague chooses a user name and a password with the one-time link from the
    invitation email (``products.memberships.membership_join``)."""

    policy = {"GET": PUBLIC, "POST": PUBLIC}
    template_name = "portal/invitation.html"
    form_class = JoinForm
    success_url = reverse_lazy("login")
    post_reset_login = False

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A removed or joined colleague's link is no longer an invitation.
        return user if user is not None and memberships.is_pending(user) else None

    def form_valid(self, form):
        try:
            memberships.membership_join(
                user=self.user, username=form.cleaned_data["username"], password=form.cleaned_data["new_password1"]
            )
        except DomainError as exc:
            _form_error(form, exc)
            status = exc.status if exc.status in (400, 409, 429) else 400
            return self.render_to_response(self.get_context_data(form=form), status=status)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, _("Welcome. Sign in with the user name and password you chose."))
        return redirect(self.get_success_url())
