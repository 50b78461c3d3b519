"""One language per page (issue 15, deliverable 4).

(a) Every message the code marks for translation is in the zh-hans catalogue, translated and not
fuzzy: ``makemessages`` runs on a copy of the sources and the merged catalogue is checked.
(b) A walker signs in as each demo role, GETs every page the URL patterns name (with sample ids
from a world of the demo plus notices through their whole life and scanner jobs) in zh-hans and in
English, and fails when a Chinese page shows a raw slug (event kinds, statuses, scanner keys) or
an English sentence of the catalogue, or when an English page shows Chinese text that the
application wrote (catalogue translations, finding titles built by the scanner rules, holiday
names) rather than data a person typed.
"""

import ast
import logging
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from accounts import services as authority_services
from accounts.models import Authority, User
from accounts.services import authority_delegation_set, authority_edit
from cases import access as case_access
from cases import events as case_events
from cases import transfers as case_transfers
from cases.ingest import jobs as scan_jobs
from cases.ingest import service as ingest_service
from cases.models import (
    CaseEvent,
    CaseStatus,
    DayKind,
    DecisionStatus,
    ExtensionRequest,
    Finding,
    FindingSource,
    FindingStatus,
    Inspection,
    OfficialDay,
    ScanJob,
    ScanStatus,
    VendorResponse,
)
from cases.scanners import registry
from notices import events as notice_events
from notices import rendering
from notices import workflow as notice_workflow
from notices.models import Notice, NoticeKind, NoticeStatus
from notices.selectors import draftable_cases
from notices.services import notice_draft
from tests import factories
from tests.cases.scanners.conftest import FIXTURES
from tests.notices.conftest import RecordingRenderer, ensure_reference_data

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
LANGUAGES = ("zh-hans", "en")
ROLES = ("admin", "reviewer", "inspector", "vendor_a", "vendor_b", "anonymous")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


# ------------------------------------------------------------------ (a) the catalogue


def _gettext_tool(name: str) -> str:
    tool = shutil.which(name)
    if not tool:
        pytest.skip(f"gettext's {name} is not installed (apt-get install gettext)")
    return tool


def test_every_marked_message_is_in_the_catalogue_translated(tmp_path):
    """A string marked for translation but missing from django.po shows English on a Chinese page."""
    _gettext_tool("xgettext")
    msgfmt = _gettext_tool("msgfmt")
    copy = tmp_path / "src"
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        if name.startswith(".") or not (ROOT / name).is_file():
            continue
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target)
    manage = [str(Path(__import__("sys").executable)), "-m", "django", "makemessages", "-l", "zh_Hans"]
    result = subprocess.run(
        [*manage, "--no-obsolete", "--no-location", "-v0", "--ignore=tests/*", "--ignore=bench/*"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(copy)},
    )
    assert result.returncode == 0, result.stderr
    merged = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    stats = subprocess.run(
        [msgfmt, "--statistics", "-o", "/dev/null", str(merged)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    missing = (
        subprocess.run(["msgattrib", "--untranslated", "--no-wrap", str(merged)], capture_output=True, text=True).stdout
        + subprocess.run(["msgattrib", "--only-fuzzy", "--no-wrap", str(merged)], capture_output=True, text=True).stdout
    )
    msgids = [line for line in missing.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert "fuzzy" not in stats.stderr and "untranslated" not in stats.stderr, (
        "marked for translation but not translated in locale/zh_Hans/LC_MESSAGES/django.po:\n" + "\n".join(msgids)
    )


def _catalogue() -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of the committed catalogue, plural forms as their first form."""
    pairs, msgid, msgstr, field = [], None, None, None
    text = CATALOGUE.read_text(encoding="utf-8")

    def unquote(line: str) -> str:
        return ast.literal_eval(line[line.index('"') :])

    for line in text.splitlines() + [""]:
        if line.startswith("msgid "):
            if msgid:
                pairs.append((msgid, msgstr or ""))
            msgid, msgstr, field = unquote(line), None, "id"
        elif line.startswith("msgid_plural"):
            field = None
        elif line.startswith("msgstr ") or line.startswith("msgstr[0]"):
            msgstr, field = unquote(line), "str"
        elif line.startswith("msgstr["):
            field = None
        elif line.startswith('"') and field == "id":
            msgid += unquote(line)
        elif line.startswith('"') and field == "str":
            msgstr += unquote(line)
    if msgid:
        pairs.append((msgid, msgstr or ""))
    return pairs


PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}|<[^>]+>")


def english_phrases() -> set[str]:
    """Sentences of the catalogue's English that a zh-hans page must not show: the fragments between
    placeholders with three words or more, whose translation is not the English itself."""
    phrases = set()
    for msgid, msgstr in _catalogue():
        if not msgstr or msgstr == msgid:
            continue
        for fragment in PLACEHOLDER.split(msgid):
            fragment = " ".join(fragment.split()).strip(" .,:;()“”\"'")
            if len(fragment.split()) >= 3 and re.search(r"[a-z]{3}", fragment):
                phrases.add(fragment)
    return phrases


def chinese_messages() -> set[str]:
    """The catalogue's Chinese messages without placeholders: an English page that shows one as a
    whole text node rendered a label in the wrong language (data a person typed rarely equals one)."""
    return {
        msgstr.strip()
        for msgid, msgstr in _catalogue()
        if msgstr and CJK.search(msgstr) and not PLACEHOLDER.search(msgstr) and len(CJK.findall(msgstr)) >= 2
    }


# ------------------------------------------------------------------ what a page shows


class _Text(HTMLParser):
    """The text a person reads: text nodes outside script, style and verbatim data (pre, code), and
    the title, alt, placeholder and aria-label attributes."""

    SKIP = {"script", "style", "template", "pre", "code"}  # pre, code: data shown verbatim (parser output)
    ATTRS = {"title", "alt", "placeholder", "aria-label"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in self.ATTRS and value:
                self.nodes.append(" ".join(value.split()))

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            text = " ".join(data.split())
            if text:
                self.nodes.append(text)


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def raw_slugs() -> set[str]:
    """Values the code stores and a page must show by their label."""
    slugs = set()
    for choices in (CaseStatus, NoticeStatus, FindingStatus, ScanStatus, DecisionStatus, FindingSource, DayKind):
        slugs |= set(choices.values)
    for module in (case_events, notice_events):
        slugs |= {v for k, v in vars(module).items() if k.isupper() and isinstance(v, str)}
    slugs |= {scan_jobs.UPLOADED, scan_jobs.STARTED, scan_jobs.SUCCEEDED, scan_jobs.FAILED, scan_jobs.REQUEUED}
    slugs |= {scan_jobs.RETRIED, scan_jobs.WITHDRAWN, case_access.ACCESS_CODE_ISSUED, case_access.ACCESS_CLAIMED}
    slugs |= set(registry.names())
    slugs |= set(authority_services.LABELS)  # granted, revoked, edited
    return slugs


# ------------------------------------------------------------------ the world


def _ingest(actor, inspection, name: str, content: bytes | None = None) -> ScanJob:
    job, _ = scan_jobs.scan_job_create(
        actor=actor,
        inspection=inspection,
        uploaded=SimpleUploadedFile(name, content if content is not None else (FIXTURES / name).read_bytes()),
    )
    ingest_service.scan_job_process(job_id=job.pk)
    return ScanJob.objects.get(pk=job.pk)


def _publish(notice, *, drafter, approver):
    notice = notice_workflow.notice_approve(actor=approver, notice=notice)
    notice = notice_workflow.notice_request_publication(actor=approver, notice=notice)
    return notice_workflow.notice_publish(notice_id=notice.pk, actor=approver)


@pytest.fixture
def world(db, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.REGISTER_EXPORT_DIR = tmp_path / "register-exports"
    ensure_reference_data()
    monkeypatch.setattr(rendering, "render_notice_pdf", RecordingRenderer(), raising=False)
    with translation.override("zh-hans"):
        call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    users = {u.username: u for u in User.objects.filter(username__in=ROLES)}
    admin_user, reviewer, inspector = users["admin"], users["reviewer"], users["inspector"]
    w = {"users": users}
    # A case transferred to Beijing (issue 17): the transfers page and the case's timeline name both
    # authorities. Made first, so that the sample case below stays the one of the latest event.
    w["transferred"] = case_transfers.case_transfer(
        case=factories.CaseFactory(),
        actor=reviewer,
        to_authority=factories.province("110000"),
        reason="经营者注册地在北京",
    )

    # Scanner jobs on a demo inspection: one that succeeds (findings with rule-built titles), one that fails.
    inspection = Inspection.objects.order_by("pk").first()
    w["inspection"] = inspection
    w["job"] = _ingest(inspector, inspection, "mobsf_android_4x.json")
    w["failed_job"] = _ingest(inspector, inspection, "broken.json", b'{"app_name": "x", "permissions": {')

    # An order through its whole life, a naming notice published and one left as a draft.
    order_case = draftable_cases(kind=NoticeKind.ORDER).order_by("pk").first()
    if order_case is not None:
        order = notice_draft(actor=inspector, kind=NoticeKind.ORDER, case_ids=[order_case.pk])
        w["order"] = _publish(order, drafter=inspector, approver=reviewer)
        case_access.case_access_code_issue(case=order_case, actor=reviewer)
    overdue = list(draftable_cases(kind=NoticeKind.NAMING).order_by("pk").values_list("pk", flat=True))
    if overdue:
        naming = notice_draft(actor=inspector, kind=NoticeKind.NAMING, case_ids=overdue[:1])
        w["naming"] = _publish(naming, drafter=inspector, approver=admin_user)
    if len(overdue) > 1:
        w["draft"] = notice_draft(actor=reviewer, kind=NoticeKind.NAMING, case_ids=overdue[1:2])
    # The demo may already have published what the cases allow: walk its notices then.
    published = Notice.objects.filter(status=NoticeStatus.PUBLISHED).order_by("pk")
    w.setdefault("order", published.filter(kind=NoticeKind.ORDER).first())
    w.setdefault("naming", published.filter(kind=NoticeKind.NAMING).first())
    w["draft"] = w.get("draft") or Notice.objects.filter(status=NoticeStatus.DRAFT).order_by("pk").first()
    w["notice"] = w.get("draft") or w.get("naming") or w.get("order")
    # Issue 17: an authority with a history (a grant and an edit, its page says both in words).
    delegating = Authority.objects.get(code="110000")
    authority_delegation_set(authority=delegating, actor=admin_user, delegated=True, reason="省局请部局代为办理")
    authority_edit(
        authority=delegating,
        actor=admin_user,
        short_name=delegating.short_name,
        doc_prefix=delegating.doc_prefix,
        masthead=f"{delegating.masthead}（版头）",
        signature=delegating.signature,
        reason="版头更新",
    )
    w["delegating"] = delegating
    assert w["notice"] is not None, "the demo gave no case a notice could list"
    return w


def _sample_kwargs(world) -> dict[str, dict]:
    """Sample URL arguments by URL name."""
    job, inspection, notice = world["job"], world["inspection"], world["notice"]
    case = CaseEvent.objects.order_by("-pk").values_list("case_id", flat=True).first()
    vendor_user = world["users"]["vendor_a"]
    vendor_case = (
        vendor_user.membership.vendor.cases.order_by("pk").first() if hasattr(vendor_user, "membership") else None
    )
    response = VendorResponse.objects.order_by("pk").first()
    extension = ExtensionRequest.objects.order_by("pk").first()
    published = world.get("naming") or world.get("order")
    entry = notice.entries.order_by("pk").first()
    item = notice.items.order_by("pk").first()
    kwargs = {
        "vendor-detail": {"pk": inspection.product_version.product.vendor_id},
        "product-detail": {"pk": inspection.product_version.product_id},
        "case-detail": {"pk": case},
        "case-withdraw": {"pk": case},
        "inspection-detail": {"pk": inspection.pk},
        "finding-create": {"pk": inspection.pk},
        "case-open": {"pk": inspection.pk},
        "scan-page": {"pk": inspection.pk},
        "scan-observations": {"pk": job.pk},
        "notices:public-detail": {"pk": published.pk} if published else None,
        "notices:regulator-detail": {"pk": notice.pk},
        "notices:regulator-correct": {"pk": published.pk} if published else None,
        "notices:regulator-changes": {"pk": notice.pk},
        "notices:regulator-entry": {"pk": notice.pk, "entry_id": entry.pk} if entry else None,
        "notices:regulator-item": {"pk": notice.pk, "item_id": item.pk} if item else None,
        "portal:case": {"pk": vendor_case.pk} if vendor_case else None,
        "portal:respond": {"pk": vendor_case.pk} if vendor_case else None,
        "portal:extension": {"pk": vendor_case.pk} if vendor_case else None,
        "decisions:response": {"pk": response.pk} if response else None,
        "decisions:extension": {"pk": extension.pk} if extension else None,
        "decisions:case": {"pk": case},
        "dashboard:campaign": {"pk": inspection.campaign_id},
        "authority-detail": {"code": world["delegating"].code},
    }
    # Other pages of the published order and failed job, beside the draft and the good job.
    extra = []
    if world.get("order"):
        extra.append(reverse("notices:regulator-detail", kwargs={"pk": world["order"].pk}))
    if world.get("naming"):
        extra.append(reverse("notices:regulator-detail", kwargs={"pk": world["naming"].pk}))
    extra.append(reverse("scan-observations", kwargs={"pk": world["failed_job"].pk}))
    extra.append(reverse("case-detail", kwargs={"pk": world["transferred"].pk}))
    extra.append(reverse("case-detail", kwargs={"pk": world["order"].case_id}) if world.get("order") else "")
    return kwargs, [e for e in extra if e]


def _walk(patterns=None, prefix="", namespaces=()):
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespaces, entry


# Not pages: files, feeds, API, the schema, Django's own admin (walked below by model), sign-out.
NOT_PAGES = ("api/", "admin/", "i18n/", "static/", "media/")
NOT_PAGE_NAMES = {
    "logout",
    "healthz",
    "public-feed",
    "public-json",
    "public-csv",
    "public-pdf",
    "case-list-csv",
    "invitation",
}


def page_paths(world) -> list[str]:
    kwargs, extra = _sample_kwargs(world)
    paths = []
    for route, namespaces, pattern in _walk():
        if route.startswith(NOT_PAGES) or not pattern.name or pattern.name in NOT_PAGE_NAMES:
            continue
        if "admin" in namespaces or "pdf" in route or "download" in route or route.endswith((".pdf", ".csv", ".json")):
            continue
        name = ":".join((*namespaces, pattern.name))
        if pattern.pattern.converters:
            if kwargs.get(name) is None:
                continue
            paths.append(reverse(name, kwargs=kwargs[name]))
        else:
            paths.append(reverse(name))
    paths += extra
    # The admin: its index and the change list and first change form of every registered model.
    paths.append(reverse("admin:index"))
    for model in admin.site._registry:
        meta = model._meta
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first]))
    return list(dict.fromkeys(paths))


def _client(user, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def _problems_zh(path: str, nodes: list[str], slugs: set[str], phrases: set[str]) -> list[str]:
    text = "\n".join(nodes)
    found = []
    for slug in sorted(slugs):
        if re.search(rf"(?<![\w\-./]){re.escape(slug)}(?![\w\-/]|\.\w)", text):
            found.append(f"{path} [zh-hans]: raw slug {slug!r}")
    flat = " ".join(nodes)
    for phrase in sorted(phrases):
        if phrase in flat:
            found.append(f"{path} [zh-hans]: English text {phrase!r}")
    return found


def _problems_en(path: str, nodes: list[str], messages: set[str], generated: set[str]) -> list[str]:
    found = []
    for node in nodes:
        if CJK.search(node) and node.strip(" :：·") in messages:
            found.append(f"{path} [en]: Chinese label {node!r}")
    flat = " ".join(nodes)
    for phrase in sorted(generated):
        if phrase in flat:
            found.append(f"{path} [en]: Chinese text the application wrote {phrase!r}")
    return found


def _generated_chinese(world) -> set[str]:
    """Chinese the application writes by itself: stored finding titles of the scanner rules and the
    official holiday names."""
    titles = set(
        Finding.objects.filter(source=FindingSource.SCAN).exclude(title="").values_list("title", flat=True)[:200]
    )
    holidays = set(OfficialDay.objects.exclude(name="").values_list("name", flat=True).distinct())
    return {t for t in titles | holidays if len(CJK.findall(t)) >= 2}


@pytest.mark.slow
def test_every_page_speaks_one_language(world):
    started = time.monotonic()
    users = world["users"]
    slugs, phrases = raw_slugs(), english_phrases()
    messages = chinese_messages()
    generated = _generated_chinese(world)
    paths = page_paths(world)
    clients = {(role, lang): _client(users.get(role), lang) for role in ROLES for lang in LANGUAGES}
    problems, walked, errors = [], {lang: 0 for lang in LANGUAGES}, []
    logging.disable(logging.WARNING)  # the refusals of roles that may not see a page are expected
    try:
        _walk_pages(paths, clients, problems, walked, errors, (slugs, phrases, messages, generated))
    finally:
        logging.disable(logging.NOTSET)
    elapsed = time.monotonic() - started
    print(f"translation walk: {walked} pages per language, {len(paths)} paths, {elapsed:.1f} s")
    assert not errors, "\n".join(errors)
    assert walked["zh-hans"] >= 60, walked
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(set(problems)))


def _walk_pages(paths, clients, problems, walked, errors, checks):
    slugs, phrases, messages, generated = checks
    # The seeded calendar's holiday names are English data; the admin's change forms show them as stored.
    stored_names = set(OfficialDay.objects.values_list("name", flat=True).distinct())
    for path in paths:
        roles = ("admin",) if path.startswith("/admin/") else ROLES
        if path == "/":
            roles = ROLES  # every role has its own home page
        for role in roles:
            pages = {}
            for lang in LANGUAGES:
                response = clients[(role, lang)].get(path)
                if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                    break
                pages[lang] = response.content.decode()
            if response.status_code >= 500:
                errors.append(f"{path} as {role}: {response.status_code}")
            if len(pages) != len(LANGUAGES):
                continue
            for lang, html in pages.items():
                walked[lang] += 1
                nodes = visible_text(html)
                if lang == "zh-hans":
                    # The admin shows stored values as stored (its lists filter and search on them).
                    admin_page = path.startswith("/admin/")
                    page_slugs = set() if admin_page else slugs
                    page_phrases = phrases - stored_names if admin_page else phrases
                    problems += _problems_zh(f"{path} as {role}", nodes, page_slugs, page_phrases)
                else:
                    problems += _problems_en(f"{path} as {role}", nodes, messages, generated)
            if path != "/":
                break  # one role that may see the page is enough


@pytest.mark.django_db
def test_the_calendar_preview_names_holidays_and_weekdays_in_the_page_language(client):
    from tests.cases.clock.test_upkeep import NOTICE_2027

    client.force_login(User.objects.create_user(username="cal-i18n", role="admin"))
    pages = {}
    for lang in LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        response = client.post("/calendar/import/", {"text": NOTICE_2027, "action": "preview"})
        assert response.status_code == 200
        pages[lang] = visible_text(response.content.decode())
    english, chinese = " | ".join(pages["en"]), " | ".join(pages["zh-hans"])
    assert "Spring Festival" in english and "New Year's Day" in english
    assert not {"元旦", "春节", "国庆节", "中秋节"} & set(pages["en"])
    assert "春节" in pages["zh-hans"] and "Spring Festival" not in chinese
    assert "Fri" in pages["en"] and "Fri" not in pages["zh-hans"]  # 2027-01-01, the weekday column
    assert "Weekday" in english and "Weekday" not in chinese


def test_every_model_and_field_of_the_project_has_a_chinese_admin_label():
    """Declared or derived (config/labels.py), every verbose name reads in Chinese on a zh-hans page."""
    SAME_IN_BOTH = {"SHA-256", "PDF"}  # noqa: N806 (names written alike in both languages)
    from django.apps import apps

    untranslated = []
    with translation.override("zh-hans"):
        for app in ("accounts", "cases", "products", "notices", "outbox"):
            for model in apps.get_app_config(app).get_models():
                opts = model._meta
                labels = [(model.__name__, opts.verbose_name), (model.__name__, opts.verbose_name_plural)]
                labels += [
                    (f"{model.__name__}.{f.name}", f.verbose_name)
                    for f in opts.get_fields()
                    if f.concrete and not f.auto_created
                ]
                untranslated += [
                    f"{where}: {label!r}"
                    for where, label in labels
                    if not CJK.search(str(label)) and str(label) not in SAME_IN_BOTH
                ]
    assert not untranslated, "labels without a Chinese translation:\n" + "\n".join(untranslated)
