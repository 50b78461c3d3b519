from django.urls import path

from . import public_views, sdk_views, views

app_name = "notices"

urlpatterns = [
    # The public register (no login).
    path("register/", public_views.register_list, name="public-list"),
    path("register/<int:pk>/", public_views.register_detail, name="public-detail"),
    path("register/<int:pk>/pdf/", public_views.register_pdf, name="public-pdf"),
    path("register/feed/", public_views.register_feed, name="public-feed"),
    path("register/feed/<str:code>/", public_views.register_feed, name="public-authority-feed"),
    path("register/open-data/entries.json", public_views.open_data_json, name="public-json"),
    path("register/open-data/entries.csv", public_views.open_data_csv, name="public-csv"),
    path("register/verify/", public_views.register_verify, name="public-verify"),
    path("register/sdks/", sdk_views.register_sdks, name="public-sdks"),
    path("register/sdks/<int:pk>/", sdk_views.register_sdk, name="public-sdk"),
    # Regulators.
    path("cases/<int:pk>/fanout/letters/", sdk_views.sdk_letters_issue, name="sdk-letters-issue"),
    path("sdk-letters/<int:pk>/pdf/", sdk_views.sdk_letter_pdf, name="sdk-letter-pdf"),
    path("notices/", views.notice_list, name="regulator-list"),
    path("notices/new/", views.notice_draft, name="regulator-draft"),
    path("notices/<int:pk>/", views.notice_detail, name="regulator-detail"),
    path("notices/<int:pk>/approve/", views.notice_approve, name="regulator-approve"),
    path("notices/<int:pk>/publish/", views.notice_publish, name="regulator-publish"),
    path("notices/<int:pk>/correct/", views.notice_correct, name="regulator-correct"),
    path("notices/<int:pk>/access-code/", views.notice_access_code, name="regulator-access-code"),
    path("notices/<int:pk>/pdf/", views.notice_pdf, name="regulator-pdf"),
    path("notices/<int:pk>/preview.pdf", views.notice_preview, name="regulator-preview"),
    path("notices/<int:pk>/changes/", views.notice_changes, name="regulator-changes"),
    path("notices/<int:pk>/publication/", views.notice_publication, name="regulator-publication"),
    path("notices/<int:pk>/entries/<int:entry_id>/", views.notice_entry_edit, name="regulator-entry"),
    path("notices/<int:pk>/items/<int:item_id>/", views.notice_item_edit, name="regulator-item"),
]
