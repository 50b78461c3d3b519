"""The authority's seal (issue 17; GB/T 9704-2012 §7.3.5.1; ARCHITECTURE.md §15): a red round seal,
42 mm, pressed over the signature and date of the order, the naming notice and the SDK letter, read
from the storage; nothing printed and the same text without one; uploads checked by reading the file;
a published PDF keeps the seal it was published with."""

import dataclasses
import datetime
import hashlib
import io
import os
import subprocess

import pdfplumber
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts.models import Authority
from accounts.roles import Role
from accounts.seals import SEAL_MAX_BYTES
from cases.models import Case, CaseStatus
from notices import documents, integrity, rendering, sdk_letters, services, workflow
from notices.models import NoticeKind, SdkLetter
from notices.rendering import cn_date, content_digest, render_notice_pdf
from tests import factories
from tests.cases.sdks.helpers import app_scanned, make_sdk, sdk_case

from .test_rendering import MM, app_rows, naming_doc, order_doc, render_strict

LINE = 28.9  # the text's line pitch (notice.css): the seal's top comes within one line of the text above
RED = (200, 16, 32, 255)


def seal_png(width: int = 600, height: int | None = None, *, colour=RED, background=(0, 0, 0, 0), fmt="PNG") -> bytes:
    """A seal drawn here, not any real body's: a red ring around a red star, transparent around them."""
    height = height or width
    mode = "RGBA" if fmt == "PNG" else "RGB"
    image = Image.new(mode, (width, height), background[: len(mode)])
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    ink = colour[: len(mode)]
    draw.ellipse((side // 20, side // 20, side - side // 20, side - side // 20), outline=ink, width=side // 16)
    draw.regular_polygon((side / 2, side / 2, side / 5), n_sides=5, fill=ink)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def give_seal(authority: Authority, png: bytes) -> None:
    authority.seal.save("seal.png", ContentFile(png), save=True)


def pdfimages(pdf: bytes, tmp_path, name: str) -> list[dict]:
    """``pdfimages -list`` of the PDF: one dict a row (page, type, width, height, x-ppi ...), and the raw line."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    header = lines[0].split()
    rows = []
    for line in lines[2:]:
        row = dict(zip(header, line.split(), strict=False))
        row["line"] = line
        rows.append(row)
    return rows


def layout_text(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def signature_page(pdf: bytes, signature: str, date_text: str) -> dict:
    """The page with the signature block: its number, the signature's and the date's line boxes, the
    line of text above the block and the images on the page (pdfplumber, points from the top)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            lines = page.extract_text_lines()
            for i in range(1, len(lines)):
                if lines[i]["text"] == date_text and lines[i - 1]["text"] == signature:
                    return {
                        "page": number,
                        "signature": lines[i - 1],
                        "date": lines[i],
                        "above": lines[i - 2] if i >= 2 else None,
                        "images": [dict(image) for image in page.images],
                    }
    raise AssertionError(f"no signature block {signature} / {date_text} in the PDF")


def words(pdf: bytes) -> list[list[tuple]]:
    """Every word of every page with its position: the layout, to compare with and without a seal."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [
            [(w["text"], round(w["x0"], 2), round(w["top"], 2)) for w in page.extract_words()]
            for page in document.pages
        ]


def assert_sealed_over_the_signature(pdf: bytes, tmp_path, name: str, *, signature: str, date_text: str) -> str:
    """The seal is the one image of the signature page, 42 mm, centred on the signature and the
    date and covering both lines, its top within one line under the text above. Returns the
    ``pdfimages -list`` line of the seal."""
    block = signature_page(pdf, signature, date_text)
    listed = [row for row in pdfimages(pdf, tmp_path, name) if row["type"] == "image"]
    assert [row["page"] for row in listed] == [str(block["page"])], listed
    assert (listed[0]["width"], listed[0]["height"]) == ("600", "600")
    # The alpha channel travels with it: the transparent corners do not hide the words.
    assert any(r["type"] == "smask" and r["page"] == str(block["page"]) for r in pdfimages(pdf, tmp_path, name))
    (image,) = block["images"]
    date, sig = block["date"], block["signature"]
    assert image["width"] == pytest.approx(42 * MM, abs=0.5) and image["height"] == pytest.approx(42 * MM, abs=0.5)
    assert (image["x0"] + image["x1"]) / 2 == pytest.approx((date["x0"] + date["x1"]) / 2, abs=1.5)
    # The date inside the seal's box; the signature too, but for its ends when it is the longer.
    assert image["x0"] < date["x0"] and date["x1"] < image["x1"]
    assert (image["x0"] + image["x1"]) / 2 == pytest.approx((sig["x0"] + sig["x1"]) / 2, abs=1.5)
    for line in (sig, date):
        assert image["top"] < line["top"] and line["bottom"] < image["bottom"]
    # 居印章中心偏下: the block's middle sits below the seal's centre.
    assert (sig["top"] + date["bottom"]) / 2 > (image["top"] + image["bottom"]) / 2
    if block["above"] is not None:
        assert 0 < image["top"] - block["above"]["bottom"] < LINE
    return listed[0]["line"]


# --- the renderer -----------------------------------------------------------------------------


def _doc(make: str):
    if make == "order":
        return order_doc()
    if make == "removal":  # the same signature block, the removal list's columns
        return dataclasses.replace(naming_doc(app_rows(30)), kind="removal", series="removal", batch_line="")
    return naming_doc(app_rows(30))


@pytest.mark.parametrize("make", ["order", "naming", "removal"])
def test_a_seal_is_pressed_over_the_signature_and_moves_no_word(make, tmp_path, capsys):
    plain = _doc(make)
    sealed = dataclasses.replace(plain, seal=seal_png())
    plain_pdf, sealed_pdf = render_strict(plain), render_strict(sealed)  # and nothing warned about

    line = assert_sealed_over_the_signature(
        sealed_pdf, tmp_path, f"{make}-sealed", signature=plain.signature, date_text=cn_date(plain.date)
    )
    with capsys.disabled():
        print(f"\n{make} with a seal, pdfimages -list: {line}")
    # Without a seal: no image at all, and the same words in the same places on the same pages.
    assert [r for r in pdfimages(plain_pdf, tmp_path, f"{make}-plain") if r["type"] == "image"] == []
    assert layout_text(plain_pdf, tmp_path, "a") == layout_text(sealed_pdf, tmp_path, "b")
    assert words(plain_pdf) == words(sealed_pdf)
    # The seal is the authority's mark, not content: the fingerprint printed on both is the same.
    assert content_digest(plain) == content_digest(sealed)
    assert render_notice_pdf(sealed) == sealed_pdf  # the same document, the same bytes


def test_the_seal_is_embedded_not_fetched():
    html = rendering.render_notice_html(dataclasses.replace(order_doc(), seal=seal_png()))
    assert '<img class="seal" src="data:image/png;base64,' in html
    assert 'class="seal"' not in rendering.render_notice_html(order_doc())


# --- published notices of a province ----------------------------------------------------------


def _staff(authority):
    return (
        factories.UserFactory(role=Role.INSPECTOR, authority=authority),
        factories.UserFactory(role=Role.REVIEWER, authority=authority),
    )


def _publish(kind, authority, inspector, reviewer):
    from .conftest import make_case

    case = make_case(CaseStatus.OPEN if kind == NoticeKind.ORDER else CaseStatus.OVERDUE, authority=authority)
    draft = services.notice_draft(actor=inspector, kind=kind, case_ids=[case.pk])
    workflow.notice_approve(actor=reviewer, notice=draft)
    return workflow.notice_publish(notice_id=draft.pk, actor=reviewer)


def seal_offset(block: dict) -> tuple[float, float]:
    """Where the one seal of a signature page sits, measured from the date line."""
    (image,) = block["images"]
    return (image["x0"] - block["date"]["x0"], image["top"] - block["date"]["top"])


def _stored(notice) -> bytes:
    with notice.pdf.open("rb") as stream:
        return stream.read()


@pytest.mark.django_db
def test_a_provinces_published_order_and_naming_notice_carry_its_seal(frozen, tmp_path, capsys):
    beijing = factories.province("110000")
    give_seal(beijing, seal_png())
    inspector, reviewer = _staff(beijing)
    for kind in (NoticeKind.ORDER, NoticeKind.NAMING):
        notice = _publish(kind, beijing, inspector, reviewer)
        pdf = _stored(notice)
        assert hashlib.sha256(pdf).hexdigest() == notice.pdf_sha256  # hashed as printed, seal included
        line = assert_sealed_over_the_signature(
            pdf, tmp_path, kind, signature="北京市通信管理局", date_text=cn_date(notice.published_on)
        )
        with capsys.disabled():
            print(f"\nBeijing's published {kind}, pdfimages -list: {line}")


@pytest.mark.django_db
def test_without_a_seal_a_published_notice_prints_no_image(frozen, tmp_path):
    guangdong = factories.province("440000")
    inspector, reviewer = _staff(guangdong)
    notice = _publish(NoticeKind.ORDER, guangdong, inspector, reviewer)
    assert [r for r in pdfimages(_stored(notice), tmp_path, "order") if r["type"] == "image"] == []


@pytest.mark.django_db
def test_a_seal_changed_later_leaves_the_published_pdf_as_it_was(frozen, tmp_path):
    beijing = factories.province("110000")
    give_seal(beijing, seal_png())
    inspector, reviewer = _staff(beijing)
    notice = _publish(NoticeKind.NAMING, beijing, inspector, reviewer)
    published = _stored(notice)

    # Rendered again today with the same seal: byte for byte what was published and hashed.
    again = documents.notice_document(notice=notice, date=notice.published_on)
    assert render_notice_pdf(again) == published
    # The draft's preview printed the same seal in the same place.
    preview = documents.notice_document(notice=notice, date=notice.published_on, draft=True)
    preview_block = signature_page(render_notice_pdf(preview), "北京市通信管理局", cn_date(notice.published_on))
    published_block = signature_page(published, "北京市通信管理局", cn_date(notice.published_on))
    assert seal_offset(preview_block) == pytest.approx(seal_offset(published_block), abs=0.1)

    give_seal(beijing, seal_png(720))  # a new seal: a later notice prints it, this one keeps its own
    notice.refresh_from_db()
    assert _stored(notice) == published
    assert integrity.notice_pdf_matches(notice=notice)
    now = render_notice_pdf(documents.notice_document(notice=notice, date=notice.published_on))
    assert now != published
    assert rendering.content_digest(documents.notice_document(notice=notice, date=notice.published_on)) == (
        notice.content_sha256
    )

    Authority.objects.filter(pk=beijing.pk).update(seal="")  # and none at all
    notice.refresh_from_db()
    assert _stored(notice) == published and integrity.notice_pdf_matches(notice=notice)


@pytest.mark.django_db
def test_a_seal_lost_from_storage_stops_the_render_rather_than_print_without_it():
    beijing = factories.province("110000")
    Authority.objects.filter(pk=beijing.pk).update(seal="authorities/gone.png")  # the row, not the file
    beijing.refresh_from_db()
    with pytest.raises(rendering.NoticeRenderError):
        documents.authority_seal(beijing)


# --- the SDK letter ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sdk_letter_carries_the_seal_of_the_sdk_cases_authority(reviewer, tmp_path, capsys):
    beijing = factories.province("110000")
    sdk = make_sdk()
    vendor = factories.VendorFactory(name="甲科技有限公司")
    app_scanned(actor=reviewer, vendor=vendor, version="1.0")
    case = sdk_case(sdk=sdk, actor=reviewer)
    Case.objects.filter(pk=case.pk).update(authority=beijing)
    issued = datetime.date(2025, 9, 26)
    beijing_reviewer = factories.UserFactory(role="reviewer", authority=beijing)  # the case's authority writes
    (letter,) = sdk_letters.sdk_letters_issue(actor=beijing_reviewer, case=Case.objects.get(pk=case.pk), today=issued)
    letter = SdkLetter.objects.select_related("sdk_case__authority").get(pk=letter.pk)

    plain = sdk_letters.sdk_letter_render(letter)
    give_seal(beijing, seal_png())
    letter = SdkLetter.objects.select_related("sdk_case__authority").get(pk=letter.pk)
    sealed = sdk_letters.sdk_letter_render(letter)

    line = assert_sealed_over_the_signature(
        sealed, tmp_path, "letter", signature="北京市通信管理局", date_text=cn_date(issued)
    )
    with capsys.disabled():
        print(f"\nBeijing's SDK letter, pdfimages -list: {line}")
    assert [r for r in pdfimages(plain, tmp_path, "plain") if r["type"] == "image"] == []
    assert layout_text(plain, tmp_path, "a") == layout_text(sealed, tmp_path, "b")


# --- uploads ----------------------------------------------------------------------------------


def _noise_png(side: int) -> bytes:
    """A PNG that does not compress: random pixels."""
    out = io.BytesIO()
    Image.frombytes("RGBA", (side, side), os.urandom(side * side * 4)).save(out, format="PNG")
    return out.getvalue()


BAD_UPLOADS = {
    "jpeg renamed .png": (lambda: seal_png(fmt="JPEG", background=(255, 255, 255)), "seal_not_png"),
    "3 MiB": (lambda: _noise_png(900), "seal_too_large"),
    "not an image": (lambda: b"%PDF-1.7 this is not a seal\n", "seal_not_png"),
    "a PNG cut short": (lambda: seal_png()[:2000], "seal_not_png"),
    "opaque white background": (lambda: seal_png(background=(255, 255, 255, 255)), "seal_opaque"),
    "not square": (lambda: seal_png(600, 300), "seal_not_square"),
    "too small": (lambda: seal_png(64), "seal_sides"),
    "blue": (lambda: seal_png(colour=(20, 40, 200, 255)), "seal_not_red"),
    "blank": (lambda: seal_png(colour=(200, 16, 32, 0)), "seal_blank"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_a_bad_seal_upload_is_refused_with_a_message(case):
    make, code = BAD_UPLOADS[case]
    data = make()
    if case == "3 MiB":
        assert len(data) >= 3 * 1024 * 1024 > SEAL_MAX_BYTES
    beijing = factories.province("110000")
    beijing.seal = SimpleUploadedFile("seal.png", data, content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        beijing.full_clean()
    (error,) = refused.value.error_dict["seal"]
    assert error.code == code
    assert str(refused.value.message_dict["seal"][0])  # a sentence, not just a code


@pytest.mark.django_db
def test_a_good_seal_passes_the_model_checks():
    beijing = factories.province("110000")
    beijing.seal = SimpleUploadedFile("seal.png", seal_png(), content_type="image/png")
    beijing.full_clean()


def _admin_form(authority: Authority, seal: bytes, name: str) -> dict:
    return {
        "code": authority.code,
        "name": authority.name,
        "short_name": authority.short_name,
        "level": authority.level,
        "doc_prefix": authority.doc_prefix,
        "masthead": authority.masthead,
        "signature": authority.signature,
        "seal": SimpleUploadedFile(name, seal, content_type="image/png"),
    }


@pytest.mark.django_db
def test_the_admin_refuses_a_renamed_jpeg_in_chinese_and_takes_a_png(client, admin_user):
    beijing = factories.province("110000")
    client.force_login(admin_user)
    url = f"/admin/accounts/authority/{beijing.pk}/change/"
    refused = client.post(url, _admin_form(beijing, seal_png(fmt="JPEG", background=(255, 255, 255)), "seal.png"))
    assert refused.status_code == 200
    assert "印章须为透明背景的PNG图片；此文件不是可读取的PNG。" in refused.content.decode()
    beijing.refresh_from_db()
    assert not beijing.seal

    assert client.post(url, _admin_form(beijing, seal_png(), "seal.png")).status_code == 302
    beijing.refresh_from_db()
    assert beijing.seal.name.startswith("authorities/")
    assert documents.authority_seal(beijing) == seal_png()
