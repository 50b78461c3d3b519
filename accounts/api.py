"""REST API for signing in (token), the signed-in user and the authorities (list, delegation).

The token view authenticates through ``django.contrib.auth.authenticate(request=...)`` so that
django-axes counts failures and refuses locked-out username/IP pairs, as on the sign-in page.
"""

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import error_codes
from config.api import error_responses

from . import roles as perms
from . import selectors, services
from .errors import DomainError, InvalidInput
from .models import ApiToken
from .serializers import (
    ApiTokenSerializer,
    AuthorityDelegationSerializer,
    AuthoritySerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from .tokens import api_token_issue, api_token_list_for, api_token_revoke

MSG_BAD_CREDENTIALS = _("Unable to sign in with the given username and password.")
MSG_LOCKED_OUT = _("Too many failed sign-in attempts; sign-in for this account is blocked for a while.")


class LockedOut(DomainError):
    code = error_codes.LOGIN_LOCKED_OUT
    status = 429
    default_message = MSG_LOCKED_OUT


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token (a new one each time; it expires after
    ``API_TOKEN_TTL`` seconds and dies with a password change)."""

    policy = {"POST": perms.PUBLIC}
    # No session: a token request carries no CSRF token, and must not depend on a browser session.
    authentication_classes: list = []

    @extend_schema(
        summary="Obtain an API token",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **error_responses(400, 429)},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Pass the DRF request: django-axes records the attempt on it and flags a lockout there.
        name = data.validated_data.pop("name", "")
        user = authenticate(request=request, **data.validated_data)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(cooloff_hours=settings.AXES_COOLOFF_TIME)
            raise InvalidInput(MSG_BAD_CREDENTIALS, code=error_codes.INVALID_CREDENTIALS)
        # A token fetch is a sign-in: axes resets the failure count, Django records last_login.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, key = api_token_issue(user=user, name=name)
        return Response(TokenSerializer({"token": key, "id": token.pk, "expires_at": token.expires_at}).data)


class MeApi(APIView):
    """Who the caller is: role and, for vendor users, their vendor."""

    policy = {"GET": perms.AUTHENTICATED}

    @extend_schema(summary="The signed-in user", responses={200: MeSerializer, **error_responses(401)})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


@extend_schema_view(
    list=extend_schema(
        summary="List live API tokens",
        description="Your own tokens; an administrator sees everyone's (filter with `user`). Keys are never shown.",
        parameters=[OpenApiParameter("user", int, description="Administrators: only this user's tokens.")],
        responses={200: ApiTokenSerializer(many=True), **error_responses(401)},
    ),
    destroy=extend_schema(
        summary="Revoke an API token",
        description="Your own token; an administrator may revoke anyone's.",
        responses={204: None, **error_responses(401, 404)},
    ),
)
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's API tokens (an administrator's: everyone's), to list and revoke."""

    policy = {"GET": perms.AUTHENTICATED, "DELETE": perms.AUTHENTICATED}
    serializer_class = ApiTokenSerializer
    pagination_class = None
    lookup_value_regex = r"\d+"  # any other id is an unknown address (404), not a 500 from int()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ApiToken.objects.none()
        user_id = self.request.query_params.get("user")
        return api_token_list_for(
            actor=self.request.user, user_id=int(user_id) if user_id and user_id.isdecimal() else None
        )

    def destroy(self, request, *args, **kwargs):
        api_token_revoke(actor=request.user, token_id=int(kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        summary="List the authorities",
        description="The ministry's bureau and the 31 provincial administrations, by code, with whether each "
        "delegates to national users and how many active regulators it has. Not paginated (32 rows).",
        responses={200: AuthoritySerializer(many=True), **error_responses(401, 403)},
    )
)
class AuthorityListApi(generics.ListAPIView):
    """Every authority (ARCHITECTURE.md §15): regulators only."""

    policy = {"GET": perms.REFERENCE_VIEW}
    serializer_class = AuthoritySerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.authority_list()


class AuthorityDelegationApi(APIView):
    """Grant or revoke an authority's delegation to national users (``accounts.services``)."""

    policy = {"POST": perms.AUTHORITY_MANAGE}

    @extend_schema(
        summary="Grant or revoke an authority's delegation to national users",
        description="Its own administrators or a national administrator, with a reason. Refused: "
        "`authority_not_yours` (403), `authority_delegation_unchanged` (409, already so), "
        "`authority_ministry_not_delegated` (400), `reason_required` (400).",
        request=AuthorityDelegationSerializer,
        responses={200: AuthoritySerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, code):
        data = AuthorityDelegationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        authority = selectors.authority_get(code=code)
        services.authority_delegation_set(authority=authority, actor=request.user, **data.validated_data)
        return Response(AuthoritySerializer(selectors.authority_get(code=code)).data)
