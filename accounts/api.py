"""REST API for signing in (token) and the signed-in user.

The token view authenticates through ``django.contrib.auth.authenticate(request=...)`` so that
django-axes counts failures and refuses locked-out username/IP pairs, as on the sign-in page.
"""

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import error_codes
from config.api import error_responses

from . import roles as perms
from .errors import DomainError, InvalidInput
from .serializers import MeSerializer, TokenRequestSerializer, TokenSerializer

MSG_BAD_CREDENTIALS = _("Unable to sign in with the given username and password.")
MSG_LOCKED_OUT = _("Too many failed sign-in attempts; sign-in for this account is blocked for a while.")


class LockedOut(DomainError):
    code = error_codes.LOGIN_LOCKED_OUT
    status = 429
    default_message = MSG_LOCKED_OUT


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token."""

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
        user = authenticate(request=request, **data.validated_data)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(cooloff_hours=settings.AXES_COOLOFF_TIME)
            raise InvalidInput(MSG_BAD_CREDENTIALS, code=error_codes.INVALID_CREDENTIALS)
        # A token fetch is a sign-in: axes resets the failure count, Django records last_login.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data)


class MeApi(APIView):
    """Who the caller is: role and, for vendor users, their vendor."""

    policy = {"GET": perms.AUTHENTICATED}

    @extend_schema(summary="The signed-in user", responses={200: MeSerializer, **error_responses(401)})
    def get(self, request):
        return Response(MeSerializer(request.user).data)
