"""The error codes of complaints (the public form, triage, imports).

An API error carries one of these as ``error.code``; pages show the message.
"""

COMPLAINT_TRANSITION_NOT_ALLOWED = "complaint_transition_not_allowed"
COMPLAINT_MERGE_INVALID = "complaint_merge_invalid"
COMPLAINT_NOT_MATCHED = "complaint_not_matched"
COMPLAINT_MATCH_INVALID = "complaint_match_invalid"
COMPLAINT_RATE_LIMITED = "complaint_rate_limited"
COMPLAINT_TOO_MANY_FILES = "complaint_too_many_files"
COMPLAINT_IMPORT_INVALID = "complaint_import_invalid"
