"""Every page, every role, both languages: axe-core finds no serious or critical violation and no
page scrolls sideways on a 390 px phone (issue 15).

axe-core 4.14.1 is vendored as its single built file (tests/browser/vendor/axe-core/, MPL-2.0, from
the npm package) and injected into each page; nothing is fetched. The walk (tests/browser/walk.py)
covers every route that answers GET with a page, which the test checks first. Each page is scanned
at 390 x 844 (where tables scroll inside their frames) and again at 1366 x 900; the figures per page
and language go to bench/out/axe.md (and .json) and to the test's output.
"""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from django.urls import get_resolver

from tests.browser.walk import AXE_JS, DEMO_PASSWORD, NOT_PAGES, build_world
from tests.test_policies import walk

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
BLOCKING = {"serious", "critical"}
IMPACTS = ["critical", "serious", "moderate", "minor"]
OUT = Path(__file__).resolve().parents[2] / "bench" / "out"
# axe.run's options: WCAG 2.1 A/AA and axe's best practices, violations only.
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}));
}"""
OVERFLOW = "[document.documentElement.scrollWidth, window.innerWidth]"


def _page_names() -> set[str]:
    """Every route name outside the API and the admin."""
    names = set()
    for route, namespaces, pattern in walk():
        if "admin" in namespaces or route.startswith("api/") or not pattern.name:
            continue
        names.add(":".join([*namespaces, pattern.name]))
    return names


def _name_of(path: str) -> str:
    match = get_resolver("config.urls").resolve(path.split("?")[0])
    return match.view_name


def _sign_in(page, base: str, username: str):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_load_state()


def _scan(page) -> list[dict]:
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(AXE_RUN)


def _report(rows: list[dict]) -> str:
    lines = ["# axe-core 4.14.1 and the 390 px overflow check on every page (tests/browser/test_accessibility.py)", ""]
    for lang in LOCALES:
        mine = [r for r in rows if r["lang"] == lang]
        impacts = Counter()
        for r in mine:
            for v in r["violations"]:
                impacts[v["impact"]] += 1
        overflowing = [r for r in mine if r["width"] > r["window"]]
        lines.append(
            f"{lang}: {len(mine)} page scans ({len({(r['role'], r['path']) for r in mine})} pages x 2 widths), "
            + ", ".join(f"{impacts[i]} {i}" for i in IMPACTS)
            + f" violations; {len(overflowing)} pages wider than 390 px"
        )
    lines += [
        "",
        "| lang | role | page | width | violations (impact: rule x nodes) | page width at 390 px |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        found = "; ".join(f"{v['impact']}: {v['id']} x{v['count']}" for v in r["violations"]) or "0"
        lines.append(f"| {r['lang']} | {r['role']} | {r['path']} | {r['viewport']} | {found} | {r['width']} |")
    return "\n".join(lines) + "\n"


def test_every_page_in_both_languages_passes_axe_and_fits_a_phone(live_server, browser, seed_data, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = build_world()

    walked = {_name_of(path) for _user, paths in world.values() for path in paths}
    missing = _page_names() - NOT_PAGES - walked
    assert not missing, f"pages the walk does not visit: {sorted(missing)}"

    rows, failures = [], []
    for lang, locale in LOCALES.items():
        for role, (username, paths) in world.items():
            context = browser.new_context(locale=locale, timezone_id="Asia/Shanghai", viewport=PHONE, bypass_csp=True)
            page = context.new_page()
            if username:
                _sign_in(page, live_server.url, username)
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                if response.status != 200 or not page.url.endswith(path):
                    failures.append(f"{path} answered {response.status} at {page.url} ({role}, {lang})")
                    continue
                width, window = page.evaluate(OVERFLOW)
                for viewport in (PHONE, LAPTOP):
                    page.set_viewport_size(viewport)
                    rows.append(
                        {
                            "lang": lang,
                            "role": role,
                            "path": path,
                            "viewport": viewport["width"],
                            "violations": _scan(page),
                            "width": width,
                            "window": window,
                        }
                    )
                page.set_viewport_size(PHONE)
            context.close()

    OUT.mkdir(parents=True, exist_ok=True)
    report = _report(rows)
    (OUT / "axe.md").write_text(report, encoding="utf-8")
    (OUT / "axe.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print("\n" + "\n".join(report.splitlines()[:4]))

    assert not failures, "pages the walk could not open:\n" + "\n".join(failures)
    blocking = [
        f"{r['lang']} {r['role']} {r['path']} @{r['viewport']}: {v['impact']} {v['id']} ({v['help']}) {v['nodes']}"
        for r in rows
        for v in r["violations"]
        if v["impact"] in BLOCKING
    ]
    assert not blocking, "serious or critical axe violations:\n" + "\n".join(blocking)
    wide = {f"{r['lang']} {r['path']}: {r['width']} px" for r in rows if r["width"] > r["window"]}
    assert not wide, "pages wider than a 390 px phone:\n" + "\n".join(sorted(wide))
