"""The vendor portal: the pages, forms and reads a vendor's users see (their own served cases only)."""
