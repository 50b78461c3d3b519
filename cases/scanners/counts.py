"""Observations by kind, true to the file. Pure: no database.

A parser also yields rows that describe the file rather than something the tool saw in the
subject: the scan's own header and summary (``META_KINDS``). They are kept with the job's
observations, marked as not counted, and never count as observations. An nmap host that was not
up is counted apart (``hosts_down``): a sweep of 256 addresses that finds 4 live hosts is 4 hosts.

``ObservationCounts.add`` is called once per observation in file order and answers whether the
observation counts; ``as_dict`` is what ``ScanJob.counts`` stores:

- ``by_kind``: counted observations by kind (their sum is ``ScanJob.observations``);
- ``not_counted``: meta rows by kind, and ``host_down`` (nmap hosts that were not up);
- nmap: ``hosts_up``, ``hosts_down``, ``open_ports`` (the tool's own ``runstats`` tally of hosts
  up and down is used when it names more hosts than the file lists: nmap leaves down hosts out of
  its XML unless asked);
- SARIF: ``results_by_level`` (``error``, ``warning``, ``note``, ``none``);
- HAR: ``entries`` (requests read from ``log.entries``).
"""

from __future__ import annotations

from typing import Any

from cases.scanners.base import Observation

# Rows a parser makes up from the file's header or summary: not observations.
META_KINDS = frozenset(
    {
        "scan_meta",  # nmap <nmaprun> attributes; mobsfscan's scanner version
        "scan_summary",  # nmap <runstats>
        "capture_meta",  # HAR log.creator / log.version
        "tool_run",  # SARIF runs[].tool
        "app_meta",  # MobSF / εxodus report header: package, version, store listing
    }
)
HOST_DOWN = "host_down"
SARIF_LEVELS = ("error", "warning", "note", "none")


def is_counted(kind: str, attributes: dict[str, Any] | None) -> bool:
    """Whether a row of this kind and attributes is an observation (see the module docstring)."""
    if kind in META_KINDS:
        return False
    if kind == "host":
        return isinstance(attributes, dict) and attributes.get("state") == "up"
    return True


class ObservationCounts:
    __slots__ = ("by_kind", "not_counted", "observations", "levels", "summary")

    def __init__(self) -> None:
        self.by_kind: dict[str, int] = {}
        self.not_counted: dict[str, int] = {}
        self.observations = 0
        self.levels: dict[str, int] = {}
        self.summary: dict[str, Any] | None = None

    def add(self, observation: Observation) -> bool:
        """Count one observation; answer whether it is counted as an observation."""
        kind = observation.kind
        if kind in META_KINDS:
            self.not_counted[kind] = self.not_counted.get(kind, 0) + 1
            if kind == "scan_summary" and observation.tool == "nmap":
                self.summary = observation.attributes
            return False
        if kind == "host" and observation.attributes.get("state") != "up":
            self.not_counted[HOST_DOWN] = self.not_counted.get(HOST_DOWN, 0) + 1
            return False
        if kind == "sarif_result":
            level = str(observation.attributes.get("level") or "none")
            self.levels[level] = self.levels.get(level, 0) + 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        self.observations += 1
        return True

    def as_dict(self, tool: str = "") -> dict[str, Any]:
        counts: dict[str, Any] = {"by_kind": dict(sorted(self.by_kind.items()))}
        if self.not_counted:
            counts["not_counted"] = dict(sorted(self.not_counted.items()))
        if tool == "nmap":
            up, down = self.by_kind.get("host", 0), self.not_counted.get(HOST_DOWN, 0)
            summary = self.summary or {}
            if isinstance(summary.get("hosts_up"), int) and summary["hosts_up"] > up:
                up = summary["hosts_up"]
            if isinstance(summary.get("hosts_down"), int) and summary["hosts_down"] > down:
                down = summary["hosts_down"]
            counts.update(hosts_up=up, hosts_down=down, open_ports=self.by_kind.get("open_port", 0))
        elif tool == "sarif":
            levels = {level: self.levels.get(level, 0) for level in SARIF_LEVELS}
            levels.update({level: n for level, n in sorted(self.levels.items()) if level not in levels})
            counts["results_by_level"] = levels
        elif tool == "har":
            counts["entries"] = self.by_kind.get("http_request", 0)
        return counts
