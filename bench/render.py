"""Render a 500-entry naming notice: seconds, peak RSS, and the overhead over plain WeasyPrint.

Each measurement runs in a fresh subprocess so that ``ru_maxrss`` is that render's own peak:
- ``ours``: ``render_notice_pdf(doc)`` (templates, locked-down fetcher, glyph check, metadata);
- ``plain``: ``weasyprint.HTML(string=html).write_pdf()`` with default settings but the same tagged
  PDF/UA-1 output as ours (``notices.rendering.pdf.PDF_OPTIONS``), on the SAME HTML
  (``render_notice_html(doc)``, written to a file by the parent; the ``ours`` child checks that it
  produces exactly that HTML).
Seconds (wall and CPU) cover the render call only, not interpreter start-up or imports; RSS is the
whole process. The ratio target is judged on CPU time (see below); both ratios are printed.

    .venv/bin/python bench/render.py [--rows 500] [--repeat 3]

Targets on the 2-core machine: ours ≤ 8 s, ≤ 400 MB peak RSS, ours/plain ≤ 1.2. The script exits
non-zero when the worst run misses one. Figures also go to bench/out/render.json.
"""

import argparse
import datetime
import hashlib
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 8.0
TARGET_RSS_MB = 400.0
TARGET_RATIO = 1.2
STORES = ("华为应用市场", "小米应用商店", "OPPO软件商店", "vivo应用商店", "应用宝", "百度手机助手", "App Store")
ISSUES = (
    "违规收集个人信息",
    "超范围收集个人信息",
    "违规使用个人信息",
    "APP强制、频繁、过度索取权限",
    "欺骗误导强迫用户",
    "应用分发平台上的APP信息明示不到位",
)
COMPANY_WORDS = ("晴空", "旻珺", "堃喆", "垚昇", "翀沄", "云帆", "星河", "青禾")


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def build_document(rows: int):
    """A naming notice of ``rows`` table rows; product k takes 1 + k % 3 rows (one per store)."""
    from notices.rendering import NoticeDocument, Row

    entries = []
    seq = 0
    while len(entries) < rows:
        seq += 1
        word = COMPANY_WORDS[seq % len(COMPANY_WORDS)]
        for k in range(min(1 + seq % 3, rows - len(entries))):
            entries.append(
                Row(
                    seq=seq,
                    name=f"{word}天气{seq}",
                    developer=f"{word}网络科技（杭州）有限公司",
                    source=STORES[(seq + k) % len(STORES)],
                    version=f"{seq % 9}.{k}.{seq % 17}",
                    issues="、".join(ISSUES[: 1 + (seq + k) % 3]),
                )
            )
    return NoticeDocument(
        kind="naming",
        series="app",
        title="关于侵害用户权益行为的APP（SDK）通报",
        batch_line="（2025年第4批，总第49批）",
        doc_number="",
        authority="工业和信息化部信息通信管理局",
        addressee="",
        opening=(
            "依据《中华人民共和国个人信息保护法》《中华人民共和国网络安全法》《中华人民共和国电信条例》"
            f"《电信和互联网用户个人信息保护规定》等法律法规，我部组织第三方检测机构进行检查。截至目前，尚有{seq}款"
            "APP（SDK）未按要求完成整改，存在侵害用户权益行为（详见附件），现予以通报。",
        ),
        closing=("上述APP（SDK）应按有关规定进行整改。整改落实不到位的，我部将依法依规组织开展相关处置工作。",),
        attachment_title="工业和信息化部通报存在问题的APP（SDK）名单",
        signature="工业和信息化部信息通信管理局",
        date=datetime.date(2025, 8, 4),
        rows=tuple(entries),
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(mode: str, html_path: Path, rows: int) -> None:
    """One measurement; prints one JSON line."""
    html = html_path.read_text("utf-8")
    if mode == "ours":
        setup_django()
        from notices.rendering import render_notice_html, render_notice_pdf

        doc = build_document(rows)
        if render_notice_html(doc) != html:
            raise SystemExit("render_notice_html changed between parent and child: not the same HTML")
        started, cpu_started = time.perf_counter(), time.process_time()
        pdf = render_notice_pdf(doc)
    else:
        import weasyprint

        started, cpu_started = time.perf_counter(), time.process_time()
        # Tagged PDF/UA-1 as ours (notices.rendering.pdf.PDF_OPTIONS; Django is not set up here).
        pdf = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    rss = peak_rss_mb()  # before pypdf is imported to count pages
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    result = {"mode": mode, "seconds": seconds, "cpu_seconds": cpu_seconds, "rss_mb": rss, "pages": pages}
    result.update(bytes=len(pdf), sha256=hashlib.sha256(pdf).hexdigest())
    print(json.dumps(result))


def measure(mode: str, html_path: Path, rows: int) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--html", str(html_path), "--rows", str(rows)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        raise SystemExit(f"{mode} run failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, choices=range(1, 11))
    parser.add_argument("--child", choices=("ours", "plain"))
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.html, args.rows)
        return 0

    setup_django()
    from notices.rendering import render_notice_html

    html = render_notice_html(build_document(args.rows))
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}; "
        f"{args.rows} rows, HTML {len(html)} chars, sha256 {hashlib.sha256(html.encode()).hexdigest()[:12]}"
    )
    runs: dict[str, list[dict]] = {"ours": [], "plain": []}
    with tempfile.TemporaryDirectory() as tmp:
        html_path = Path(tmp) / "notice.html"
        html_path.write_text(html, "utf-8")
        for i in range(args.repeat):
            # Alternate the order so neither side always runs on a warmer machine.
            for mode in ("ours", "plain") if i % 2 == 0 else ("plain", "ours"):
                run = measure(mode, html_path, args.rows)
                runs[mode].append(run)
                print(
                    f"run {i + 1} {mode:5}: {run['seconds']:.2f} s (CPU {run['cpu_seconds']:.2f} s), "
                    f"peak RSS {run['rss_mb']:.0f} MB, {run['pages']} pages, {run['bytes']} bytes, "
                    f"sha256 {run['sha256'][:12]}, load {os.getloadavg()[0]:.1f}"
                )

    pairs = list(zip(runs["ours"], runs["plain"], strict=True))
    summary = {
        mode: {
            "seconds_median": statistics.median(r["seconds"] for r in results),
            "seconds_worst": max(r["seconds"] for r in results),
            "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in results),
            "rss_mb_median": statistics.median(r["rss_mb"] for r in results),
            "rss_mb_worst": max(r["rss_mb"] for r in results),
        }
        for mode, results in runs.items()
    }
    for key in ("seconds", "cpu_seconds"):
        ratios = [ours[key] / plain[key] for ours, plain in pairs]
        summary[f"ratio_{key}"] = {"median": statistics.median(ratios), "worst": max(ratios)}
    for mode in ("ours", "plain"):
        figures = summary[mode]
        print(
            f"{mode:5}: median {figures['seconds_median']:.2f} s (worst {figures['seconds_worst']:.2f}, "
            f"median CPU {figures['cpu_seconds_median']:.2f}), peak RSS median {figures['rss_mb_median']:.0f} MB "
            f"(worst {figures['rss_mb_worst']:.0f})"
        )
    wall, cpu = summary["ratio_seconds"], summary["ratio_cpu_seconds"]
    print(
        f"ratio ours/plain: wall median {wall['median']:.3f} (worst {wall['worst']:.3f}), "
        f"CPU median {cpu['median']:.3f} (worst {cpu['worst']:.3f})"
    )
    same = {run["sha256"] for results in runs.values() for run in results}
    print(f"PDFs: {'all byte-identical' if len(same) == 1 else f'{len(same)} different outputs'}")

    # The ratio is judged on CPU time: on a shared 2-core machine, wall time also measures the
    # neighbours, and the two sides of a pair do not run at the same moment.
    ours = summary["ours"]
    misses = []
    if ours["seconds_worst"] > TARGET_SECONDS:
        misses.append(f"seconds {ours['seconds_worst']:.2f} > {TARGET_SECONDS}")
    if ours["rss_mb_worst"] > TARGET_RSS_MB:
        misses.append(f"peak RSS {ours['rss_mb_worst']:.0f} MB > {TARGET_RSS_MB:.0f}")
    if cpu["median"] > TARGET_RATIO:
        misses.append(f"CPU ratio {cpu['median']:.3f} > {TARGET_RATIO}")
    print("targets: " + ("met" if not misses else "MISSED: " + "; ".join(misses)))

    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    report = {"cores": os.cpu_count(), "python": platform.python_version(), "rows": args.rows, "runs": runs}
    report["load_average"] = os.getloadavg()
    (out / "render.json").write_text(json.dumps({**report, "summary": summary, "misses": misses}, indent=2))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
