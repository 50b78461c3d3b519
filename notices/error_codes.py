"""The error codes of notices (orders, naming and removal notices, publication and verification).

An API error carries one of these as ``error.code``; pages show the message. Tests import the
constants, so a renamed code is a visible change of the API contract.
"""

ACCESS_CODE_GONE = "access_code_gone"
NOTICE_CASE_NOT_ELIGIBLE = "notice_case_not_eligible"
NOTICE_CASE_WITHOUT_FINDINGS = "notice_case_without_findings"
NOTICE_CORRECTION_EXISTS = "notice_correction_exists"
NOTICE_CORRECTION_IDENTICAL = "notice_correction_identical"
NOTICE_FETCH_REFUSED = "notice_fetch_refused"
NOTICE_FIELD_NOT_EDITABLE = "notice_field_not_editable"
NOTICE_FOUR_EYES = "notice_four_eyes"
NOTICE_FROZEN = "notice_frozen"
NOTICE_KIND_INVALID = "notice_kind_invalid"
NOTICE_MISSING_GLYPH = "notice_missing_glyph"
NOTICE_MIXED_SERIES = "notice_mixed_series"
NOTICE_NO_CASES = "notice_no_cases"
NOTICE_NOT_PUBLISHED = "notice_not_published"
NOTICE_ORDER_ONE_CASE = "notice_order_one_case"
NOTICE_PLACEHOLDER = "notice_placeholder"
NOTICE_AGENCY_CODE_MISSING = "notice_agency_code_missing"
NOTICE_RENDER_FAILED = "notice_render_failed"
NOTICE_TRANSITION_NOT_ALLOWED = "notice_transition_not_allowed"
REGION_INVALID = "region_invalid"
TOO_LARGE = "too_large"
SDK_LETTERS_NOTHING = "sdk_letters_nothing"
NOTICE_MIXED_AUTHORITIES = "notice_mixed_authorities"
