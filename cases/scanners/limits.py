"""Every bound the scanner layer enforces, in one place.

ARCHITECTURE.md §6: bad input gets a clear error and loses nothing. These numbers decide when an
uploaded scanner output is refused instead of parsed; each refusal names the limit it hit.
"""

# Sniffing and streaming.
HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024

# JSON (HAR, SARIF, MobSF, εxodus, Zeek JSON lines). Depth is checked on the raw bytes before
# any value is built, so a 100,000-deep document never reaches a recursive consumer.
MAX_JSON_DEPTH = 200
# Longest run of digits in one JSON number; checked before ijson turns it into an int.
MAX_NUMBER_DIGITS = 100

# Line-oriented text (Zeek TSV and JSON lines).
MAX_LINE_BYTES = 1024 * 1024

# XLSX is a ZIP: its central directory is read and checked before openpyxl opens it.
MAX_XLSX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_XLSX_ENTRIES = 10_000
# Legacy .xls is parsed whole by xlrd; refuse absurd sheets instead of filling memory.
MAX_SHEET_ROWS = 1_000_000

# Detection: text of one request/message scanned for personal data, and evidence kept per candidate.
MAX_SCANNED_TEXT_CHARS = 256 * 1024
MAX_EVIDENCE_ITEMS = 5
# Observation attributes keep at most this much of a body, stack trace or snippet.
MAX_ATTRIBUTE_TEXT_CHARS = 64 * 1024
# A stored observation's attributes (as JSON) keep at most this much; longer ones keep a preview.
MAX_STORED_ATTRIBUTES_CHARS = 256 * 1024
