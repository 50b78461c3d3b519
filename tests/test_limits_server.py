"""The body limit under the production server: gunicorn on 127.0.0.1, one sync worker, bounded.

The test client cannot show what a real server does with a body the application never reads: these
tests send 70 MiB declared by Content-Length, and an endless chunked body, to the anonymous token
endpoint and check the 413 comes back at once and the worker's memory stays where it was.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
TOKEN = "/api/v1/auth/token/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "MAX_BODY_BYTES": str(MiB),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "30", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.2)
        # Warm the worker (URLconf, views, templates) so that its memory is measured at rest.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /api/v1/no-such-address/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            while sock.recv(65536):
                pass
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _send_and_read(port: int, head: bytes, body_chunks, timeout: float = 10) -> tuple[bytes, int, float]:
    """Send ``head`` then ``body_chunks`` from a thread; return the response, the body bytes sent
    before the server answered, and the seconds it took."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sent = [0]
    stop = threading.Event()

    def feed():
        try:
            sock.sendall(head)
            for chunk in body_chunks:
                if stop.is_set():
                    return
                sock.sendall(chunk)
                sent[0] += len(chunk)
        except OSError:  # the server closed the connection: what we want
            pass

    started = time.monotonic()
    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    response = b""
    try:
        while not response.rstrip().endswith(b"}"):  # the JSON error body is the last thing sent
            data = sock.recv(65536)
            if not data:
                break
            response += data
    finally:
        elapsed = time.monotonic() - started
        stop.set()
        sock.close()
        thread.join(timeout=5)
    return response, sent[0], elapsed


def _status_and_json(response: bytes) -> tuple[int, dict]:
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body[body.find(b"{") : body.rfind(b"}") + 1] or b"{}")


def test_70_mib_declared_by_content_length_is_refused_without_reading_it(server):
    port, master = server
    head = (
        f"POST {TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {70 * MiB}\r\n\r\n"
    ).encode()
    [worker] = _children(master)
    before = _rss_kib(worker)

    response, sent, elapsed = _send_and_read(port, head, (b" " * (64 * 1024) for _ in range(70 * 16)))

    status, body = _status_and_json(response)
    assert status == 413 and body["error"]["code"] == "request_too_large"
    assert body["error"]["details"] == {"max_bytes": MiB}
    assert elapsed < 5
    assert _rss_kib(worker) - before < 20 * 1024  # the 70 MiB never reached the worker's memory
    print(f"413 after {elapsed:.2f} s, {sent / MiB:.1f} MiB sent, worker RSS {before} -> {_rss_kib(worker)} KiB")


def test_a_chunked_body_is_cut_off_just_past_the_limit(server):
    port, master = server
    head = (
        f"POST {TOKEN} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    piece = b" " * (64 * 1024)
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    [worker] = _children(master)
    before = _rss_kib(worker)

    response, sent, elapsed = _send_and_read(port, head, (chunk for _ in range(70 * 16)))

    status, body = _status_and_json(response)
    assert status == 413 and body["error"]["details"] == {"max_bytes": MiB}
    assert elapsed < 10
    assert sent < 70 * MiB  # refused while the body was still arriving
    assert _rss_kib(worker) - before < 20 * 1024
    print(f"413 after {elapsed:.2f} s, {sent / MiB:.1f} MiB sent, worker RSS {before} -> {_rss_kib(worker)} KiB")
