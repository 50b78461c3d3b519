"""The error codes of accounts (sign-in, permissions and the generic error kinds).

An API error carries one of these as ``error.code``; pages show the message. Tests import the
constants, so a renamed code is a visible change of the API contract.
"""

CONFLICT = "conflict"
DOMAIN_ERROR = "domain_error"
FORBIDDEN = "forbidden"
INVALID = "invalid"
INVALID_CREDENTIALS = "invalid_credentials"
LOGIN_LOCKED_OUT = "login_locked_out"
NOT_FOUND = "not_found"
REASON_REQUIRED = "reason_required"
REASON_TOO_LONG = "reason_too_long"
# Faults of the infrastructure (config/faults.py): storage full or read-only, database unreachable.
DATABASE_UNAVAILABLE = "database_unavailable"
STORAGE_FULL = "storage_full"
STORAGE_UNAVAILABLE = "storage_unavailable"
# Authorities (accounts.scoping): a record of another authority that the actor may see but not act on.
OTHER_AUTHORITY = "other_authority"
# Authorities' own settings (accounts.services): who may change them, and changes that change nothing.
AUTHORITY_NOT_YOURS = "authority_not_yours"
AUTHORITY_NATIONAL_ONLY = "authority_national_only"
AUTHORITY_DELEGATION_UNCHANGED = "authority_delegation_unchanged"
AUTHORITY_MINISTRY_NOT_DELEGATED = "authority_ministry_not_delegated"
AUTHORITY_UNCHANGED = "authority_unchanged"
