"""An inspection's timeline: every job's timed observations on one time axis (ARCHITECTURE.md §14).

``stamps`` reads the time and the acting party out of an observation (pure, used by the ingest);
``selectors`` read the axis a page at a time; ``services`` mark consent and cite a window.
"""
