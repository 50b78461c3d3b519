"""DRF authentication with the project's expiring API tokens (``accounts.tokens``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .tokens import api_token_authenticate

MSG_TOKEN_INVALID = _("Invalid, expired or revoked token: sign in again for a new one.")


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refusing expired and revoked tokens."""

    def authenticate_credentials(self, key):
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(MSG_TOKEN_INVALID)
        return token.user, token
