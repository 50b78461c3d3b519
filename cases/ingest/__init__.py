"""Ingestion of uploaded scanner outputs (ARCHITECTURE.md §3.1).

``service`` reads a leased job's file through the parsers and saves its findings; ``store`` writes
them in bulk; ``failures`` names what went wrong. The job's states live in ``cases.ingest.jobs``.
"""

from cases.ingest.service import scan_ingest, scan_job_process

__all__ = ["scan_ingest", "scan_job_process"]
