"""The error codes of products (vendors, products and versions).

An API error carries one of these as ``error.code``; pages show the message. Tests import the
constants, so a renamed code is a visible change of the API contract.
"""

ALREADY_REMOVED = "already_removed"
CANNOT_REMOVE_SELF = "cannot_remove_self"
DIVISION_FORMAT = "division_format"
DIVISION_PROVINCE = "division_province"
DIVISION_SHAPE = "division_shape"
EMAIL_REQUIRED = "email_required"
INVITATION_USED = "invitation_used"
NOT_VENDOR_ADMIN = "not_vendor_admin"
RATE_LIMITED = "rate_limited"
SCENARIO_KIND = "scenario_kind"
SCENARIO_SYSTEM_KIND = "scenario_system_kind"
SHA256 = "sha256"
USCC_CHARS = "uscc_chars"
USCC_CHECK = "uscc_check"
USCC_LENGTH = "uscc_length"
USERNAME_UNAVAILABLE = "username_unavailable"
