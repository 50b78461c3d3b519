"""API shapes for signing in, the signed-in user and the authorities."""

from rest_framework import serializers

from .models import ApiToken, Authority, User
from .reasons import REASON_MAX_LENGTH


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="A label to tell your tokens apart (e.g. the script).",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`. Shown once, never stored.")
    id = serializers.IntegerField(help_text="The token's id, to revoke it: `DELETE /api/v1/auth/tokens/{id}/`.")
    expires_at = serializers.DateTimeField(help_text="After this the token is refused; sign in again.")


class ApiTokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "user", "prefix", "name", "created_at", "expires_at"]


class MeSerializer(serializers.ModelSerializer):
    vendor = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "vendor"]

    def get_vendor(self, obj) -> int | None:
        membership = getattr(obj, "membership", None)
        return membership.vendor_id if membership else None


class AuthoritySerializer(serializers.ModelSerializer):
    region = serializers.CharField(read_only=True, help_text="The region (大区) of a province; empty for the ministry.")
    active_regulators = serializers.IntegerField(read_only=True, help_text="Its active regulator users.")

    class Meta:
        model = Authority
        fields = [
            "code",
            "name",
            "short_name",
            "level",
            "region",
            "doc_prefix",
            "masthead",
            "signature",
            "delegated_to_national",
            "active_regulators",
        ]
        read_only_fields = fields


class AuthorityDelegationSerializer(serializers.Serializer):
    delegated = serializers.BooleanField(help_text="true: national users act on its records; false: only see them.")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, help_text="Why; kept in the authority's history.")
