"""The public register: no login. Lists, notice pages, PDF download, feed, open data, verification.

Only issued naming and removal notices exist here; everything else answers 404. Query-heavy parts
are cached under the register's version, read from the database on each request
(``notices.caching``), so a publication shows at once in every process; the cached part
is the page body, never the surrounding page, so no CSRF token or user name is ever shared. While
the database does not answer, the last good copy of each page is served (``notices.outage``).
"""

import hashlib

from django.contrib.syndication.views import Feed
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.errors import NotFound
from accounts.models import Authority
from accounts.policies import policy
from accounts.roles import PUBLIC
from cases.models import ViolationType
from config import limits

from . import exports, integrity, selectors
from .caching import register_cached, register_version
from .forms import MAX_VERIFY_BYTES, RegisterSearchForm, VerifyForm, VerifyHashForm
from .outage import last_good_copy
from .serializers import verification_data

PAGE_SIZE = 20
ROWS_PER_PAGE = 500  # rows of one notice shown on its page at a time
TEXT_FIELDS = ("q", "vendor", "product")
FEED_SIZE = 50


def _issue_choices(version: str) -> list[tuple[str, str]]:
    return register_cached(
        "issues",
        [],
        lambda: [(v.code, f"{v.code} {v.name}") for v in ViolationType.objects.order_by("code")],
        version=version,
    )


def _authority_choices(version: str) -> list[tuple[str, str]]:
    return register_cached(
        "authorities", [], lambda: [(a.code, a.name) for a in Authority.objects.order_by("code")], version=version
    )


def _search_form(request, version: str) -> RegisterSearchForm:
    return RegisterSearchForm(
        request.GET or None,
        issue_choices=_issue_choices(version),
        year_choices=register_cached("years", [], selectors.public_years, version=version),
        authority_choices=_authority_choices(version),
    )


@policy({"GET": PUBLIC})
@last_good_copy
def register_list(request):
    version = register_version()
    form = _search_form(request, version)
    filters = form.cleaned_data if form.is_valid() else {}
    search = {k: v for k, v in filters.items() if k not in ("before", "after")}

    def build() -> str:
        page = selectors.public_notice_page(
            filters=search, before=filters.get("before"), after=filters.get("after"), size=PAGE_SIZE
        )
        total = register_cached(
            "total", sorted(search.items()), lambda: selectors.public_notice_total(filters=search), version=version
        )
        query = request.GET.copy()
        for key in ("before", "after", "page"):
            query.pop(key, None)
        return render_to_string(
            "notices/public/_list_body.html",
            {
                "page": page,
                "total": total,
                "query": query.urlencode(),
                "filters": filters,
                "short_query": any(0 < len(search.get(k) or "") < selectors.SHORT_QUERY for k in TEXT_FIELDS),
            },
        )

    body = register_cached("list", sorted(filters.items(), key=lambda kv: kv[0]), build, version=version)
    return render(request, "notices/public/list.html", {"form": form, "body": body})


@policy({"GET": PUBLIC})
@last_good_copy
def register_detail(request, pk: int):
    notice = _public_or_404(pk)
    start = request.GET.get("from", "")
    start = int(start) if start.isdigit() and len(start) <= 9 else 0

    def build() -> str:
        # At most ROWS_PER_PAGE rows, by keyset on the row's position: a notice of any length
        # renders in bounded time and memory.
        entries = list(notice.entries.filter(position__gt=start).order_by("position")[: ROWS_PER_PAGE + 1])
        next_from = entries[ROWS_PER_PAGE - 1].position if len(entries) > ROWS_PER_PAGE else None
        return render_to_string(
            "notices/public/_detail_body.html",
            {"notice": notice, "entries": entries[:ROWS_PER_PAGE], "next_from": next_from, "start": start},
        )

    body = register_cached("detail", [pk, start], build)
    return render(request, "notices/public/detail.html", {"notice": notice, "body": body})


def _public_or_404(pk: int):
    try:
        return selectors.public_notice_get(notice_id=pk)
    except NotFound:
        raise Http404 from None


MSG_PDF_MISMATCH = _(
    "This PDF cannot be served right now: the stored copy does not match the fingerprint published with "
    "it. The administrators have been told."
)


@policy({"GET": PUBLIC})
def register_pdf(request, pk: int):
    """The PDF, only when its bytes match the published SHA-256 (otherwise 503, admins alerted)."""
    notice = _public_or_404(pk)
    if not integrity.notice_pdf_matches(notice=notice):
        page = render(
            request,
            "fault.html",
            {"status": 503, "title": _("PDF not available"), "message": MSG_PDF_MISMATCH},
            status=503,
        )
        page["Retry-After"] = "3600"
        return page
    return FileResponse(
        notice.pdf.open("rb"),
        as_attachment=True,
        filename=f"notice-{notice.pk}-v{notice.version}.pdf",
        content_type="application/pdf",
    )


class RegisterFeed(Feed):
    """Atom feed of issued public notices (newest first); ``/register/feed/<code>/``: one issuing
    authority's (ARCHITECTURE.md §15)."""

    policy = PUBLIC
    feed_type = Atom1Feed
    subtitle = _("Public naming and removal notices on apps, SDKs and smart terminals that infringe user rights.")

    def get_object(self, request, code: str | None = None):
        if code is None:
            return None
        authority = Authority.objects.filter(code=code).first() if code.isdecimal() and len(code) == 6 else None
        if authority is None:
            raise Http404
        return authority

    def title(self, obj):
        return f"{obj.name} · {_('Published notices')}" if obj else _("Published notices")

    def link(self, obj):
        url = reverse("notices:public-list")
        return f"{url}?authority={obj.code}" if obj else url

    def items(self, obj):
        filters = {"authority": obj.code} if obj else {}
        return selectors.public_notice_list(filters=filters)[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.title}{item.batch_label}" + (f" v{item.version}" if item.version > 1 else "")

    def item_description(self, item):
        return _("%(count)s rows. SHA-256 of the PDF: %(sha)s") % {"count": item.entry_count, "sha": item.pdf_sha256}

    def item_link(self, item):
        return reverse("notices:public-detail", args=[item.pk])

    def item_pubdate(self, item):
        return item.published_at

    def item_guid(self, item):
        return f"notice-{item.pk}"

    item_guid_is_permalink = False


_feed = RegisterFeed()


@policy({"GET": PUBLIC})
@last_good_copy
def register_feed(request, code: str | None = None):
    def build():
        response = _feed(request, code=code) if code else _feed(request)
        return response.content, response["Content-Type"]

    content, content_type = register_cached("feed", [request.get_host(), code or ""], build)
    return HttpResponse(content, content_type=content_type)


@policy({"GET": PUBLIC})
def open_data_json(request):
    """Every row of every issued public notice as JSON, streamed (``notices.exports``)."""
    return exports.open_data_response(request, exports.JSON)


@policy({"GET": PUBLIC})
def open_data_csv(request):
    """The same rows as CSV (UTF-8 with a BOM, formula-guarded cells), streamed."""
    return exports.open_data_response(request, exports.CSV)


def _verify_limit() -> int:
    return MAX_VERIFY_BYTES + limits.MULTIPART_ALLOWANCE


@limits.body_limit(_verify_limit)
@policy({"GET": PUBLIC, "POST": PUBLIC})
@require_http_methods(["GET", "POST"])
def register_verify(request):
    """Upload a PDF; say whether it is an authentic issued notice and which version."""
    result = None
    form = VerifyForm(request.POST or None, request.FILES or None)
    # A pasted fingerprint (?sha256=): a malformed one is said so, never looked up.
    hash_form = VerifyHashForm(request.GET if request.method == "GET" and "sha256" in request.GET else None)
    if request.method == "POST" and form.is_valid():
        digest = hashlib.sha256()
        for chunk in form.cleaned_data["file"].chunks():
            digest.update(chunk)
        sha256 = digest.hexdigest()
        result = verification_data(sha256=sha256, verification=selectors.notice_verify(sha256=sha256))
    elif hash_form.is_valid():
        sha256 = hash_form.cleaned_data["sha256"]
        result = verification_data(sha256=sha256, verification=selectors.notice_verify(sha256=sha256))
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    context = {"form": form, "hash_form": hash_form, "result": result}
    return render(request, "notices/public/verify.html", context, status=status)
