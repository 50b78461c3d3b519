"""Observations a scan job read: stored (COPY or bulk_create), mapped, counted true to the file,
browsable through the API and the page."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from cases.ingest import jobs, service, store
from cases.models import ScanJob, ScanObservation, ScanStatus
from cases.scanners import META_KINDS, Observation, ObservationCounts, detect_candidates, is_counted
from tests.cases.ingest.test_service import (  # noqa: F401 (fixtures)
    english,
    fake_scanner,
    lines,
    media_root,
    run,
    upload,
)
from tests.cases.scanners.conftest import FIXTURES, read


@pytest.fixture
def inspection(inspection_factory):
    return inspection_factory()


def ingest_fixture(actor, inspection, name: str) -> ScanJob:
    job = run(upload(actor, inspection, (FIXTURES / name).read_bytes(), name=name))
    assert job.status == ScanStatus.SUCCEEDED, job.failure_reason
    return job


def stored(job) -> list[tuple]:
    return list(job.stored_observations.order_by("seq").values_list("seq", "kind", "mapped"))


# Storage ----------------------------------------------------------------------------------------


AWKWARD = {
    "tab": "a\tb",
    "newline": "line 1\nline 2\r\n",
    "backslash": "C:\\temp\\x",
    "nul": "before\x00after",
    "lone_surrogate": "x\ud800y",
    "chinese": "设备标识",
    "nested": {"list": [1, 2.5, None, True], "escaped": '"quoted"'},
}


def bare_job(inspection, actor) -> ScanJob:
    return ScanJob.objects.create(inspection=inspection, original_name="x", sha256="0" * 64, size=1, created_by=actor)


def _spool_of(job, observations, mapped_seqs=()) -> tuple[io.BytesIO, bytearray]:
    text = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", newline="")
    for seq, observation in enumerate(observations, 1):
        text.write(f"f\t{job.pk}\t" + service.observation_row(seq, observation))
    text.flush()
    raw = text.detach()
    raw.seek(0)
    tally = service.Tally()
    tally.mark_mapped(mapped_seqs)
    return raw, tally.mapped


@pytest.mark.parametrize("path", ["postgresql", "batches"])
def test_stored_rows_keep_awkward_text_valid_and_the_mapped_flags(path, monkeypatch, inspection, inspector):
    if path == "postgresql" and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL path")
    job = bare_job(inspection, inspector)
    observations = [
        Observation("t", "thing", "locus\twith\ttabs\nand a newline \\ backslash", AWKWARD),
        Observation("t", "thing", "plain", {"n": 1}),
        Observation("t", "scan_meta", "scan", {"nan": float("nan")}),
    ]
    spool, mapped = _spool_of(job, observations, mapped_seqs=[2])
    if path == "batches":
        # The SQLite path (make run), exercised on whatever database the suite runs on.
        written = store._bulk_observations(spool=spool, mapped=mapped)
    else:
        written = store.save_observations(job=job, spool=spool, mapped=mapped)

    assert written == 3
    rows = list(ScanObservation.objects.filter(job=job).order_by("seq"))
    assert [(r.seq, r.kind, r.mapped) for r in rows] == [
        (1, "thing", False),
        (2, "thing", True),
        (3, "scan_meta", False),
    ]
    assert rows[0].locus == "locus\twith\ttabs\nand a newline \\ backslash"
    attributes = rows[0].attributes
    assert attributes["tab"] == "a\tb"
    assert attributes["newline"] == "line 1\nline 2\r\n"
    assert attributes["backslash"] == "C:\\temp\\x"
    assert attributes["nul"] == "before\ufffdafter"  # jsonb refuses NUL
    assert attributes["lone_surrogate"] == "x?y"  # not UTF-8: replaced
    assert attributes["chinese"] == "设备标识"
    assert attributes["nested"] == {"list": [1, 2.5, None, True], "escaped": '"quoted"'}
    assert rows[2].attributes == {"nan": "nan"}


def test_huge_attributes_are_kept_as_a_preview(inspection, inspector):
    job = bare_job(inspection, inspector)
    big = {"body": "x" * 60_000, "more": ["y" * 60_000] * 5}
    spool, mapped = _spool_of(job, [Observation("t", "thing", "l", big)])
    store.save_observations(job=job, spool=spool, mapped=mapped)

    row = ScanObservation.objects.get(job=job)
    assert row.attributes["truncated"] is True
    assert row.attributes["chars"] > service.limits.MAX_STORED_ATTRIBUTES_CHARS
    assert len(row.attributes["preview"]) == service.EVIDENCE_PREVIEW_CHARS


def test_every_observation_is_stored_in_file_order_with_the_job(fake_scanner, inspector, inspection):  # noqa: F811
    content = lines(
        {"locus": "a", "codes": ["PI-01"]},
        {"locus": "b"},
        {"locus": "c", "kind": "scan_meta"},
        {"locus": "d", "codes": ["XX-99"]},
    )
    job = run(upload(inspector, inspection, content))

    assert stored(job) == [(1, "thing", True), (2, "thing", False), (3, "scan_meta", False), (4, "thing", False)]
    assert job.observations == 3  # the meta row is stored, not counted
    assert job.unmapped == 2  # b, and d whose only candidate has a code the taxonomy lacks
    assert job.counts == {"by_kind": {"thing": 3}, "not_counted": {"scan_meta": 1}, "unknown_codes": 1}
    assert job.stored_observations.get(seq=1).attributes == {"locus": "a", "codes": ["PI-01"]}


def test_a_rerun_replaces_the_jobs_observations(fake_scanner, inspector, inspection):  # noqa: F811
    job = run(upload(inspector, inspection, lines({"locus": "a", "codes": ["PI-01"]}, {"locus": "b"})))
    assert len(stored(job)) == 2
    # The job runs again (a retry after a lost worker, a re-run): its rows are replaced, not doubled.
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.QUEUED)
    again = run(job)

    assert again.status == ScanStatus.SUCCEEDED
    assert stored(again) == [(1, "thing", True), (2, "thing", False)]
    assert ScanObservation.objects.count() == 2


def test_a_failed_read_stores_no_observation_and_a_retry_stores_them(fake_scanner, inspector, inspection):  # noqa: F811
    job = run(upload(inspector, inspection, lines({"locus": "a"}) + b"CRASH\n"))
    assert (job.status, job.failure_code) == (ScanStatus.FAILED, "internal_error")
    assert not ScanObservation.objects.exists()

    job.file.save("fixed.jsonl", io.BytesIO(lines({"locus": "a"}, {"locus": "b"})), save=True)
    jobs.scan_job_retry(actor=inspector, job=job)
    again = run(job)
    assert again.status == ScanStatus.SUCCEEDED
    assert stored(again) == [(1, "thing", False), (2, "thing", False)]


# Mapped: which observations fed a saved candidate ------------------------------------------------


def test_a_one_shot_rule_maps_the_observation_it_judged():
    observations = read(FIXTURES / "mobsf_android_4x.json")
    candidates = list(detect_candidates(observations))

    permissions = {c.locus: list(c.sources) for c in candidates if c.rule == "permission.sensitive"}
    for locus, sources in permissions.items():
        (seq,) = sources
        assert observations[seq - 1].kind == "permission"
        assert locus == f"permission:{observations[seq - 1].attributes['name']}"


def test_a_grouping_rule_maps_every_observation_it_grouped():
    results = [
        Observation("sarif", "sarif_result", f"r{n}", {"rule_id": rule, "uri": uri, "kind": "fail", "line": n})
        for n, (rule, uri) in enumerate(
            [("HardwareIds", "A.java"), ("Other", "A.java"), ("HardwareIds", "A.java"), ("HardwareIds", "B.java")]
        )
    ]
    candidates = {c.locus: list(c.sources) for c in detect_candidates(results)}

    assert candidates == {"code:HardwareIds:A.java": [1, 3], "code:HardwareIds:B.java": [4]}


def test_mapped_flags_of_a_real_ingest(inspector, inspection):
    job = ingest_fixture(inspector, inspection, "capture.har")

    # capture_meta, then five requests; requests 1, 2 and 4 (seq 2, 3, 5) sent personal data.
    assert stored(job) == [
        (1, "capture_meta", False),
        (2, "http_request", True),
        (3, "http_request", True),
        (4, "http_request", False),
        (5, "http_request", True),
        (6, "http_request", True),
    ]
    assert job.unmapped == 1
    assert job.unmapped == job.stored_observations.filter(mapped=False).exclude(kind__in=META_KINDS).count()


# Counts true to the file ------------------------------------------------------------------------


def test_nmap_counts_hosts_up_and_down_and_open_ports(inspector, inspection):
    job = ingest_fixture(inspector, inspection, "lab_scan.xml")

    assert job.counts["hosts_up"] == 2
    assert job.counts["hosts_down"] == 1
    assert job.counts["open_ports"] == 4
    assert job.counts["by_kind"] == {"host": 2, "open_port": 4, "vulnerability": 1}
    assert job.counts["not_counted"] == {"host_down": 1, "scan_meta": 1, "scan_summary": 1}
    assert job.observations == 7  # the down host and the scan's header and summary are not observations
    assert job.stored_observations.count() == 10  # but they are kept


def test_nmap_runstats_name_down_hosts_the_xml_leaves_out():
    counts = ObservationCounts()
    counts.add(Observation("nmap", "host", "host:10.0.0.1", {"state": "up"}))
    counts.add(Observation("nmap", "scan_summary", "runstats", {"hosts_up": 1, "hosts_down": 252, "hosts_total": 253}))

    assert counts.as_dict("nmap") | {} == {
        "by_kind": {"host": 1},
        "not_counted": {"scan_summary": 1},
        "hosts_up": 1,
        "hosts_down": 252,
        "open_ports": 0,
    }
    assert counts.observations == 1


def test_sarif_counts_results_by_level(inspector, inspection):
    job = ingest_fixture(inspector, inspection, "multi_run.sarif")

    assert job.counts["results_by_level"] == {"error": 2, "warning": 3, "note": 0, "none": 0}
    assert job.counts["not_counted"] == {"tool_run": 3}
    assert job.observations == 5


def test_har_counts_entries_not_the_capture_header(inspector, inspection):
    job = ingest_fixture(inspector, inspection, "capture.har")

    assert job.counts["entries"] == 5
    assert job.counts["by_kind"] == {"http_request": 5}
    assert job.observations == 5


@pytest.mark.parametrize("kind", sorted(META_KINDS))
def test_meta_rows_are_not_observations(kind):
    counts = ObservationCounts()
    assert counts.add(Observation("x", kind, "meta", {})) is False
    assert counts.observations == 0
    assert not is_counted(kind, {})


def test_app_meta_that_feeds_a_candidate_is_mapped_yet_not_counted(inspector, inspection):
    job = ingest_fixture(inspector, inspection, "mobsf_android_4x.json")

    assert job.counts["not_counted"] == {"app_meta": 1}
    assert job.observations == sum(job.counts["by_kind"].values()) == 15
    assert job.unmapped == job.stored_observations.filter(mapped=False).exclude(kind__in=META_KINDS).count()


# The API ----------------------------------------------------------------------------------------


def observations_url(job, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/scans/{job.pk}/observations/" + (f"?{query}" if query else "")


def test_api_lists_observations_with_filters(api_client, inspector, inspection):
    job = ingest_fixture(inspector, inspection, "lab_scan.xml")
    api_client.force_authenticate(inspector)

    body = api_client.get(observations_url(job)).json()
    assert body["count"] == 10
    first = body["results"][0]
    assert set(first) == {"seq", "kind", "locus", "attributes", "mapped", "counted"}
    assert (first["seq"], first["kind"], first["counted"]) == (1, "scan_meta", False)

    ports = api_client.get(observations_url(job, kind="open_port")).json()
    assert ports["count"] == 4 and {r["kind"] for r in ports["results"]} == {"open_port"}
    counted = api_client.get(observations_url(job, counted="true")).json()
    assert counted["count"] == job.observations == 7
    not_counted = api_client.get(observations_url(job, counted="false")).json()
    assert {r["kind"] for r in not_counted["results"]} == {"scan_meta", "scan_summary", "host"}
    unmapped = api_client.get(observations_url(job, mapped="false", counted="true")).json()
    assert unmapped["count"] == job.unmapped
    assert api_client.get(observations_url(job, mapped="true")).json()["count"] == 7 - job.unmapped
    searched = api_client.get(observations_url(job, q="BusyBox")).json()
    assert searched["count"] >= 1
    assert all("busybox" in (r["locus"] + json.dumps(r["attributes"])).lower() for r in searched["results"])
    paged = api_client.get(observations_url(job, page_size=3, page=2)).json()
    assert [r["seq"] for r in paged["results"]] == [4, 5, 6]

    refused = api_client.get(observations_url(job, mapped="maybe"))
    assert refused.status_code == 400
    assert refused.json()["error"]["details"] == {"field": "mapped"}

    job_body = api_client.get(f"/api/v1/scans/{job.pk}/").json()
    assert job_body["observations_url"] == observations_url(job)
    assert job_body["observation_counts"]["hosts_down"] == 1


def test_api_observations_take_a_fixed_number_of_queries(api_client, inspector, inspection, django_assert_num_queries):
    job = ingest_fixture(inspector, inspection, "capture.har")
    api_client.force_authenticate(inspector)

    # The job (scoped to the actor), the count, the page.
    with django_assert_num_queries(3):
        response = api_client.get(observations_url(job, q="imei", mapped="true"))
    assert response.status_code == 200


def test_api_observations_are_seen_by_whoever_sees_the_job(
    api_client, inspector, reviewer, vendor_user, inspection, user_factory
):
    job = ingest_fixture(inspector, inspection, "capture.har")
    api_client.force_authenticate(reviewer)
    assert api_client.get(observations_url(job)).status_code == 200
    api_client.force_authenticate(vendor_user)
    assert api_client.get(observations_url(job)).status_code in (403, 404)
    api_client.force_authenticate(None)
    assert api_client.get(observations_url(job)).status_code in (401, 403)
    assert api_client.get("/api/v1/scans/999999/observations/").status_code in (401, 403, 404)


# The page ---------------------------------------------------------------------------------------


def test_scan_list_links_to_the_observations_page_with_counts_and_filters(client, inspector, inspection):
    job = ingest_fixture(inspector, inspection, "lab_scan.xml")
    client.force_login(inspector)

    jobs_page = client.get(f"/inspections/{inspection.pk}/scans/").content.decode()
    assert f"/scans/{job.pk}/observations/" in jobs_page
    assert f"/scans/{job.pk}/observations/?mapped=false&amp;counted=true" in jobs_page

    page = client.get(f"/scans/{job.pk}/observations/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hosts up" in html and "Hosts down" in html and "Open ports" in html
    assert 'id="observation-1"' in html and 'id="observation-10"' in html

    ports = client.get(f"/scans/{job.pk}/observations/?kind=open_port").content.decode()
    assert ports.count('id="observation-') == 4
    searched = client.get(f"/scans/{job.pk}/observations/?q=no-such-text").content.decode()
    assert "No observation matches." in searched


def test_observations_page_in_chinese_and_for_other_roles(client, inspector, reviewer, vendor_user, inspection):
    job = ingest_fixture(inspector, inspection, "multi_run.sarif")
    client.force_login(reviewer)
    with translation.override("zh-hans"):
        page = client.get(f"/scans/{job.pk}/observations/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert "按类型计数" in html
    assert "error" in html and "tool_run" in html

    client.force_login(vendor_user)
    assert client.get(f"/scans/{job.pk}/observations/").status_code in (403, 404)


def test_upload_of_a_file_stores_its_observations_through_the_api(
    api_client, inspector, inspection, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            f"/api/v1/inspections/{inspection.pk}/scans/",
            {"file": SimpleUploadedFile("capture.har", (FIXTURES / "capture.har").read_bytes())},
            format="multipart",
        )
    job = ScanJob.objects.get(pk=response.json()["id"])
    assert job.stored_observations.count() == 6
    assert api_client.get(observations_url(job, kind="http_request")).json()["count"] == 5


# The streaming path: COPY during the read, progress through another connection --------------------


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_observations_stream_while_the_file_is_read(monkeypatch, inspector, inspection_factory):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY during the read is PostgreSQL's")
    monkeypatch.setattr(service, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(store, "COPY_CHUNK", 1)  # every row leaves at once: the COPY is open during the read
    beats = []
    heartbeat = jobs.scan_job_heartbeat

    def spy(**kwargs):
        heartbeat(**kwargs)
        beats.append(kwargs["observations"])

    monkeypatch.setattr(jobs, "scan_job_heartbeat", spy)
    inspection = inspection_factory()
    job = upload(inspector, inspection, (FIXTURES / "capture.har").read_bytes(), name="capture.har")
    # Committed at once here, so the message ran the job eagerly; run it again over a stale row.
    ScanObservation.objects.create(job=job, seq=99, kind="stale", locus="x")
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.QUEUED)
    beats.clear()

    done = run(job)

    assert done.status == ScanStatus.SUCCEEDED, done.failure_reason
    assert beats[-1] == 5 and len(beats) >= 3  # during the read, then before the save
    assert stored(done) == [
        (1, "capture_meta", False),
        (2, "http_request", True),
        (3, "http_request", True),
        (4, "http_request", False),
        (5, "http_request", True),
        (6, "http_request", True),
    ]
    assert done.unmapped == 1


@pytest.mark.django_db(transaction=True)
def test_a_streaming_read_that_fails_leaves_no_observation(monkeypatch, inspector, inspection_factory):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY during the read is PostgreSQL's")
    monkeypatch.setattr(store, "COPY_CHUNK", 1)
    broken = (FIXTURES / "capture.har").read_bytes()[:-40]  # cut inside the last entry
    job = upload(inspector, inspection_factory(), broken, name="broken.har")
    ScanObservation.objects.create(job=job, seq=99, kind="stale", locus="x")
    ScanJob.objects.filter(pk=job.pk).update(status=ScanStatus.QUEUED)
    job = run(job)

    assert job.status == ScanStatus.FAILED
    # The transaction rolled back: nothing of this read, and the earlier rows stay as they were.
    assert list(ScanObservation.objects.filter(job=job).values_list("seq", flat=True)) == [99]


def test_guessed_mapped_flags_are_corrected_by_the_end_of_the_read(inspection, inspector):
    job = bare_job(inspection, inspector)
    spool, _ = _spool_of(job, [Observation("t", "thing", str(n), {}) for n in range(1, 21)])
    store.save_observations(job=job, spool=spool, mapped=b"")
    guessed, mapped = service.Tally(), service.Tally()
    guessed.mark_mapped([1, 2, 3, 17])
    mapped.mark_mapped([2, 3, 4, 18, 20])

    ScanObservation.objects.filter(job=job, seq__in=[1, 2, 3, 17]).update(mapped=True)
    assert store.correct_mapped(job=job, guessed=guessed.mapped, mapped=mapped.mapped) == 5
    assert sorted(job.stored_observations.filter(mapped=True).values_list("seq", flat=True)) == [2, 3, 4, 18, 20]


def test_filters_with_a_nul_byte_or_odd_digits_never_answer_500(api_client, client, inspector, inspection):
    """Found by schemathesis: a NUL in ``kind`` or ``q`` reached PostgreSQL (500); "²" is a digit int() refuses."""
    job = ingest_fixture(inspector, inspection, "lab_scan.xml")
    api_client.force_authenticate(inspector)
    for params in ({"kind": "open_port\x00"}, {"q": "Busy\x00Box"}):
        response = api_client.get(observations_url(job, **params))
        assert response.status_code == 200
    assert api_client.get(observations_url(job, kind="open_port\x00")).json()["count"] == 4
    client.force_login(inspector)
    assert client.get(f"/scans/{job.pk}/observations/", {"q": "a\x00b"}).status_code == 200
    assert client.get("/inspections/", {"campaign": "²"}).status_code == 200
    assert client.get("/inspections/", {"campaign": "9" * 5000}).status_code == 200
