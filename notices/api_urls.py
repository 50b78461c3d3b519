from django.urls import path

from . import api, sdk_api

app_name = "notices-api"

urlpatterns = [
    path("notices/", api.NoticeListCreateApi.as_view(), name="list"),
    path("notices/draftable-cases/", api.DraftableCasesApi.as_view(), name="draftable-cases"),
    path("notices/<int:pk>/", api.NoticeDetailApi.as_view(), name="detail"),
    path("notices/<int:pk>/approve/", api.NoticeApproveApi.as_view(), name="approve"),
    path("notices/<int:pk>/publish/", api.NoticePublishApi.as_view(), name="publish"),
    path("notices/<int:pk>/correct/", api.NoticeCorrectApi.as_view(), name="correct"),
    path("notices/<int:pk>/access-code/", api.NoticeAccessCodeApi.as_view(), name="access-code"),
    path("cases/<int:pk>/fanout/letters/", sdk_api.SdkLettersIssueApi.as_view(), name="sdk-letters-issue"),
    path("public/verify/", api.PublicVerifyApi.as_view(), name="public-verify"),
]
