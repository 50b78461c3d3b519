"""Generate large HAR and SARIF files for scanner benchmarks, and time the parsers on them.

    .venv/bin/python bench/gen_scans.py har 100000 /tmp/big.har
    .venv/bin/python bench/gen_scans.py sarif 100000 /tmp/big.sarif
    .venv/bin/python bench/gen_scans.py measure /tmp/big.har

Files are written entry by entry (constant memory). About 1 entry in 200 carries personal data
(an IMEI to a tracker host, a phone number, a resident ID number with a valid check digit) so the
detection rules have something to find. ``measure`` reports observations per second for parsing
alone and for parsing plus detection, and the peak resident memory.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOSTS = ["api.example-app.cn", "cdn.example-app.cn", "log.umeng.com", "graph.facebook.com", "img.example-app.cn"]
PATHS = ["/v1/feed", "/v2/user/profile", "/static/app.js", "/collect", "/api/config"]


def _imei(rng: random.Random) -> str:
    body = "86" + "".join(str(rng.randrange(10)) for _ in range(12))
    total = 0
    for position, char in enumerate(reversed(body + "0")):
        number = int(char)
        if position % 2 == 1:
            number = number * 2 - 9 if number * 2 > 9 else number * 2
        total += number
    return body + str((10 - total % 10) % 10)


def _id_number(rng: random.Random) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    born = f"{rng.randrange(1960, 2005)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    body = f"110105{born}{rng.randrange(1000):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _har_entry(rng: random.Random, index: int) -> dict:
    host = rng.choice(HOSTS)
    path = rng.choice(PATHS)
    query = [{"name": "ts", "value": str(1_700_000_000_000 + index)}, {"name": "page", "value": str(index % 50)}]
    body = None
    if index % 200 == 0:
        query.append({"name": "imei", "value": _imei(rng)})
    elif index % 200 == 100:
        body = json.dumps({"mobile": f"138{rng.randrange(10**8):08d}", "idcard": _id_number(rng)})
    url = f"https://{host}{path}?" + "&".join(f"{q['name']}={q['value']}" for q in query)
    entry = {
        "startedDateTime": f"2025-01-01T00:00:{index % 60:02d}.000Z",
        "time": 12.5,
        "request": {
            "method": "POST" if body else "GET",
            "url": url,
            "httpVersion": "HTTP/2.0",
            "headers": [
                {"name": "Host", "value": host},
                {"name": "User-Agent", "value": "okhttp/4.9.3"},
                {"name": "Accept", "value": "application/json"},
                {"name": "Accept-Encoding", "value": "gzip"},
            ],
            "queryString": query,
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(body or ""),
        },
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/2.0",
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "cookies": [],
            "content": {"size": 120, "mimeType": "application/json", "text": '{"ok":true,"items":[1,2,3]}'},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 120,
        },
        "cache": {},
        "timings": {"send": 0.1, "wait": 10.2, "receive": 2.2},
        "serverIPAddress": "203.0.113.7",
    }
    if body:
        entry["request"]["postData"] = {"mimeType": "application/json", "text": body}
    return entry


def write_har(count: int, path: Path) -> None:
    rng = random.Random(42)
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log": {"version": "1.2", "creator": {"name": "gen_scans", "version": "1"}, "entries": [\n')
        for index in range(count):
            out.write(("," if index else "") + json.dumps(_har_entry(rng, index), ensure_ascii=False) + "\n")
        out.write("]}}\n")


def write_sarif(count: int, path: Path) -> None:
    rng = random.Random(42)
    rules = [{"id": f"R{n:03d}", "name": f"Rule{n}", "defaultConfiguration": {"level": "note"}} for n in range(30)]
    rules.append({"id": "HardwareIds", "shortDescription": {"text": "Hardware Id Usage"}})
    with path.open("w", encoding="utf-8") as out:
        head = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0"}
        out.write(json.dumps(head)[:-1] + ', "runs": [{"tool": {"driver": ')
        out.write(json.dumps({"name": "gen_scans", "version": "1", "rules": rules}))
        out.write('}, "results": [\n')
        for index in range(count):
            rule = "HardwareIds" if index % 500 == 0 else f"R{rng.randrange(30):03d}"
            result = {
                "ruleId": rule,
                "message": {"text": f"Finding {index} in generated code"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f"app/src/main/java/com/example/File{index % 700}.java"},
                            "region": {"startLine": index % 900 + 1, "snippet": {"text": "String id = read();"}},
                        }
                    }
                ],
                "partialFingerprints": {"primaryLocationLineHash": f"{index:016x}"},
            }
            if index % 3 == 0:
                result["level"] = "warning"
            out.write(("," if index else "") + json.dumps(result) + "\n")
        out.write("]}]}\n")


def _timed(path: Path, with_rules: bool) -> tuple[int, int, float, float]:
    from cases.scanners import detect_candidates, parse

    counted = 0

    def counting(iterator):
        nonlocal counted
        for item in iterator:
            counted += 1
            yield item

    with path.open("rb") as stream:
        wall, cpu = time.perf_counter(), time.process_time()
        observations = counting(parse(stream, filename=path.name))
        candidates = sum(1 for _ in detect_candidates(observations)) if with_rules else sum(0 for _ in observations)
        return counted, candidates, time.perf_counter() - wall, time.process_time() - cpu


def measure(path: Path) -> None:
    """Observations per second, parse alone and parse + rules; CPU time too, as the machine is shared."""
    print(f"file: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    for label, with_rules in (("parse only", False), ("parse + rules", True)):
        count, candidates, wall, cpu = _timed(path, with_rules)
        print(
            f"{label}: {count} observations, {candidates} candidates; "
            f"wall {wall:.2f} s = {count / wall:,.0f}/s ({path.stat().st_size / 1e6 / wall:.1f} MB/s); "
            f"CPU {cpu:.2f} s = {count / cpu:,.0f}/s"
        )
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "measure":
        measure(Path(argv[2]))
        return 0
    if len(argv) == 4 and argv[1] in ("har", "sarif"):
        writer = write_har if argv[1] == "har" else write_sarif
        writer(int(argv[2]), Path(argv[3]))
        print(f"wrote {argv[3]}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
