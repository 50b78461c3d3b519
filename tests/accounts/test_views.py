"""Sign-in, sign-out, the language switch, the role-dependent layout and the translation catalogue."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
PASSWORD = "pw-Rectify-2025"  # tests/factories.py
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_login_page_is_chinese_by_default(client):
    response = client.get("/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert "登录" in html and "用户名" in html and "密码" in html
    assert 'name="language" value="en"' in html


def test_login_page_in_english(client):
    html = client.get("/login/", **EN).content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Username" in html


def test_regulator_lands_on_home(client, reviewer):
    response = client.post("/login/", {"username": reviewer.username, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").context["user"] == reviewer


def test_vendor_user_lands_on_portal(client, vendor_user):
    response = client.post("/login/", {"username": vendor_user.username, "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/portal/")


def test_login_follows_a_safe_next(client, reviewer):
    response = client.post("/login/?next=/cases/", {"username": reviewer.username, "password": PASSWORD})
    assert response["Location"] == "/cases/"
    evil = client.post("/login/?next=https://evil.test/", {"username": reviewer.username, "password": PASSWORD})
    assert evil["Location"] == "/"


def test_wrong_password_shows_the_error(client, reviewer):
    response = client.post("/login/", {"username": reviewer.username, "password": "wrong"}, **EN)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_too_many_failures_lock_the_account_with_a_message(client, reviewer):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/login/", {"username": reviewer.username, "password": "wrong"}).status_code == 200
    locked = client.post("/login/", {"username": reviewer.username, "password": "wrong"})
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录失败次数过多" in html and "15" in html
    assert 'data-testid="lockout"' in html
    # Even the right password is refused while the lock lasts.
    again = client.post("/login/", {"username": reviewer.username, "password": PASSWORD}, **EN)
    assert again.status_code == 429
    assert "Too many failed sign-in attempts" in again.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/logout/").status_code in {403, 405}
    assert "_auth_user_id" in client.session
    response = client.post("/logout/")
    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert "_auth_user_id" not in client.session


def test_language_switch_is_a_csrf_protected_post(reviewer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    page = client.get("/cases/")
    token = page.context["csrf_token"]
    assert 'action="/i18n/setlang/"' in page.content.decode()
    refused = client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    assert refused.status_code == 403
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/cases/", "csrfmiddlewaretoken": str(token)})
    assert (switched.status_code, switched["Location"]) == (302, "/cases/")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get("/cases/").content.decode()
    assert "Overdue only" in english and 'name="language" value="zh-hans"' in english


def _render_base(user):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    with translation.override("en"):
        return render_to_string("base.html", request=request)


def test_nav_for_regulators(reviewer, admin_user):
    html = _render_base(reviewer)
    for href in ('href="/"', 'href="/cases/"', 'href="/inspections/"', 'href="/vendors/"', 'href="/notices/"'):
        assert href in html
    assert 'href="/admin/"' not in html and 'href="/portal/"' not in html
    assert 'action="/logout/"' in html
    assert 'href="/admin/"' in _render_base(admin_user)


def test_nav_for_vendor_users(vendor_user):
    html = _render_base(vendor_user)
    assert 'href="/portal/"' in html and 'action="/logout/"' in html
    assert 'href="/cases/"' not in html and 'href="/notices/"' not in html


def test_nav_for_the_public():
    html = _render_base(AnonymousUser())
    assert 'href="/register/"' in html and 'href="/login/"' in html
    assert 'href="/cases/"' not in html and 'action="/logout/"' not in html


def test_pages_carry_no_external_resources(client, reviewer):
    client.force_login(reviewer)
    factories.CaseFactory()
    for path in ("/login/", "/", "/cases/"):
        html = client.get(path).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', html), path


# --- the catalogue ----------------------------------------------------------------------------


def _po_entries(text: str):
    """Yield (flags, msgid, msgid_plural, msgstrs) for each entry of a .po file (enough of the format for a check)."""
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields:
            msgstrs = [v for k, v in fields.items() if k.startswith("msgstr")]
            yield flags, fields["msgid"], fields.get("msgid_plural"), msgstrs


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    entries = list(_po_entries(CATALOGUE.read_text(encoding="utf-8")))
    messages = [(flags, msgid, msgstrs) for flags, msgid, _, msgstrs in entries if msgid]
    assert len(messages) > 300
    fuzzy = [msgid for flags, msgid, _, _ in entries if "fuzzy" in flags]  # the header included
    untranslated = [msgid for _, msgid, msgstrs in messages if not msgstrs or not all(msgstrs)]
    assert fuzzy == []
    assert untranslated == []


def test_catalogue_keeps_the_placeholders():
    """A translation names the same placeholders as the source (a plural may drop the count)."""

    def names(text):
        return set(re.findall(r"%\((\w+)\)", text))

    for _, msgid, plural, msgstrs in _po_entries(CATALOGUE.read_text(encoding="utf-8")):
        for msgstr in msgstrs:
            if plural is None:
                assert names(msgstr) == names(msgid), msgid
            else:
                assert names(msgstr) <= names(msgid) | names(plural), msgid


def test_catalogue_is_compiled_for_the_tests():
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists(), "run `make messages` (manage.py compilemessages) before the tests"
    assert compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime, "django.mo is older than django.po: recompile"
