"""API shapes for signing in and for the signed-in user."""

from rest_framework import serializers

from .models import User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class MeSerializer(serializers.ModelSerializer):
    vendor = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "vendor"]

    def get_vendor(self, obj) -> int | None:
        membership = getattr(obj, "membership", None)
        return membership.vendor_id if membership else None
