"""The reviewers' decision pages: reports, extensions, proposals and re-tests to decide."""
