"""The one multiple-file field (issue 11): the regulator's finding form and the vendor's report
form take several files the same way."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cases import forms
from cases.portal import forms as portal_forms


def _file(name="a.txt"):
    return SimpleUploadedFile(name, b"evidence", content_type="text/plain")


def test_both_upload_forms_use_the_one_field():
    assert type(portal_forms.ResponseForm.base_fields["files"]) is forms.MultipleFileField
    assert type(forms.ManualFindingForm.base_fields["files"]) is forms.MultipleFileField


def test_the_field_returns_a_list_of_files_and_drops_empty_parts():
    field = forms.MultipleFileField(required=False)
    a, b = _file("a.txt"), _file("b.txt")
    assert field.clean([a, None, b]) == [a, b]  # the portal's former copy kept the None
    assert field.clean(a) == [a]
    assert field.clean(None) == []
    assert field.clean([]) == []
