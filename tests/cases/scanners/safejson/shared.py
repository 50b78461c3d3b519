"""What the tests of ``cases.scanners.safejson`` share: the outcome of a parse, a HAR around some entries."""

from cases.scanners import ScanError


def outcome(produce) -> tuple[list, str | None]:
    values = []
    try:
        for value in produce():
            values.append(value)
    except ScanError as exc:
        return values, exc.reason
    return values, None


def har(entries: list[bytes]) -> bytes:
    return b'{"log": {"version": "1.2", "entries": [' + b",".join(entries) + b"]}}"
