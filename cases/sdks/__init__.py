"""SDK fan-out (issue 18): which app versions embed which SDK, with the evidence of each link.

``matching`` (pure: signatures and observations in, matches out), ``services`` (the writes: links on
ingest, the recompute, removal proposals and their confirmation, linked cases), ``selectors`` (the
fan-out read from the ``sdkembedding_active`` index), ``views``, ``api``. ARCHITECTURE.md, "SDK fan-out".
"""
