"""Issue 18 in a real browser: the demo's SDK case fans out to the demo apps embedding the SDK, the
reviewer notifies their vendors in one action (the letters, read back with pdftotext) and opens
linked cases in another; the public register then names the SDK and the apps asked to act."""

import io
import re
import subprocess

import pytest
from django.core.management import call_command

from cases.management.commands.load_demo import DEMO_PASSWORD, FANOUT_SDK
from cases.models import Case, SdkEmbedding
from notices.models import SdkLetter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
TEXT = {
    "zh-hans": {"summary": "嵌入于 3 个应用（2 家企业）", "not_yet": "尚未整改"},
    "en": {"summary": "Embedded in 3 apps of 2 vendors", "not_yet": "Not yet"},
}


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_an_sdk_case_fans_out_to_the_demo_apps_and_its_letters(
    live_server, browser, seed_data, lang, tmp_path, settings, preview_dir
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("load_demo", stdout=io.StringIO())
    case = Case.objects.get(product__name=FANOUT_SDK[1])
    context = browser.new_context(
        locale=LOCALES[lang], timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the forms' data-confirm questions
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "reviewer")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    summary = page.inner_text("[data-testid=fanout-summary]")
    assert TEXT[lang]["summary"] in summary
    for app in ("晴川天气", "晴川阅读", "星河智家"):
        assert app in page.inner_text("[data-testid=fanout-rows]")

    # One action: a letter to each of the two vendors, sent through the outbox.
    page.click("[data-testid=fanout-notify]")
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    letters = list(SdkLetter.objects.filter(sdk_case=case).select_related("vendor").order_by("vendor__name"))
    assert len(letters) == 2 and all(letter.sent_at for letter in letters)
    listed = page.inner_text("[data-testid=fanout-letters]")
    for letter in letters:
        assert letter.vendor.name in listed or letter.vendor.name_en in listed
    page.screenshot(path=str(preview_dir / f"sdk-fanout-case-{lang}.png"), full_page=True)

    # The letter to the vendor of two apps, downloaded from the page and read back.
    qingchuan = next(letter for letter in letters if "晴川" in letter.vendor.name)
    link = page.locator(f"a[href='/sdk-letters/{qingchuan.pk}/pdf/']")
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "letter.pdf"
    download.value.save_as(path)
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "关于督促整改嵌入存在问题SDK的APP的通知" in text and "晴川网络科技（杭州）有限公司：" in text
    assert f"{FANOUT_SDK[1].replace(' ', '')}（SDK）" in text and f"案件编号：{case.number}" in text
    assert "SDK违规收集用户设备信息" in text
    assert "晴川天气" in text and "晴川阅读" in text and "星河智家" not in text
    assert "个工作日内（" in text and qingchuan.deadline.strftime("%Y年") in text

    # The other action: a linked case for each app version.
    page.click("[data-testid=fanout-open-cases]")
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/fanout/$"))
    numbers = list(SdkEmbedding.objects.filter(sdk=case.product).values_list("linked_case__number", flat=True))
    assert len(numbers) == 3 and all(numbers)
    rows = page.inner_text("[data-testid=fanout-rows]")
    assert all(number in rows for number in numbers)
    page.screenshot(path=str(preview_dir / f"sdk-fanout-page-{lang}.png"), full_page=True)

    # The public register: the named SDK and the apps asked to act, none acted yet.
    page.goto(f"{live_server.url}/register/sdks/")
    page.click(f"a[href='/register/sdks/{case.product_id}/']")
    table = page.inner_text("[data-testid=register-sdk-apps]")
    assert table.count(TEXT[lang]["not_yet"]) == 3
    context.close()
