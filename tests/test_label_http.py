"""The labelling server through the standard library's HTTP client: the token guards every request, the
page is blind and escaped under a nonce-only CSP, a POST records a label; and the real command keeps
every answer through kill -9, then resumes."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
from urllib.parse import urlsplit

from jury.io.human_labels import LABELS_FILE
from jury.labels.session import winner

from .label_fixtures import BASELINE_NAME, CANDIDATE_NAME, JUDGE_NAMES, label_rows, make_run, serving
from .test_label_file import _session


def _request(port: int, method: str, path: str, body: str = "", host: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    if host:
        headers["Host"] = host
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    data = response.read().decode("utf-8")
    conn.close()
    return response, data


def test_requests_without_the_token_are_forbidden(tmp_path):
    run = make_run(tmp_path / "run")
    with serving(_session(run)) as server:
        port, token = server.port, server.token
        for method, path, body in (
            ("GET", "/", ""),
            ("GET", "/?token=wrong", ""),
            ("GET", "/?token=", ""),
            ("POST", "/label", "key=1"),
            ("POST", "/label?token=" + token[:-1], "key=1"),
        ):
            response, data = _request(port, method, path, body)
            assert response.status == 403 and "forbidden" in data, (method, path)
        response, _ = _request(port, "GET", f"/?token={token}", host="attacker.example")  # DNS rebinding
        assert response.status == 403
        assert _request(port, "GET", f"/?token={token}")[0].status == 200
    assert not (run.report_dir / LABELS_FILE).exists()


def test_the_page_is_blind_escaped_and_runs_only_its_own_script(tmp_path):
    run = make_run(tmp_path / "run", n_single=1, hostile=True)
    with serving(_session(run)) as server:
        response, page = _request(server.port, "GET", f"/?token={server.token}")
    policy = response.getheader("Content-Security-Policy")
    (nonce,) = re.findall(r"script-src 'nonce-([\w-]+)'", policy)
    assert "default-src 'none'" in policy and "unsafe" not in policy and f"style-src 'nonce-{nonce}'" in policy
    assert page.count("<script") == 1 and f'<script nonce="{nonce}">' in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;" in page and "<p id=pwned" not in page
    assert "Question 1?" in page and "omega 1" in page and "0 of 1 answered" in page
    for name in (CANDIDATE_NAME, BASELINE_NAME, *JUDGE_NAMES, "candidate", "baseline", "scripted/"):
        assert name not in page  # no model, judge or side name, and no panel verdict
    assert response.getheader("X-Frame-Options") == "DENY" and response.getheader("Cache-Control") == "no-store"


def test_a_post_records_a_label_and_shows_the_next_pair(tmp_path):
    run = make_run(tmp_path / "run")
    session = _session(run, sample=3)
    pair = session.current()
    with serving(session) as server:
        response, _ = _request(server.port, "POST", f"/label?token={server.token}", f"key=2&draw={pair.draw}")
        assert response.status == 303 and response.getheader("Location") == f"/?token={server.token}"
        (row,) = label_rows(run.report_dir)
        assert (row["unit_id"], row["winner"], row["order"], row["via"]) == (
            pair.unit.unit_id, winner("2", pair.order).value, pair.order, "test"
        )  # fmt: skip
        again, _ = _request(server.port, "POST", f"/label?token={server.token}", f"key=2&draw={pair.draw}")
        assert again.status == 303 and len(label_rows(run.report_dir)) == 1  # a stale form records nothing
        _, page = _request(server.port, "GET", f"/?token={server.token}")
        assert "1 of 3 answered" in page and "that pair was already answered" in page
        bad, _ = _request(server.port, "POST", f"/label?token={server.token}", "key=7")
        assert bad.status == 400


def _start(folder, *args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "jury", "label", str(folder), "--labeller", "ann", "--sample", "3", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)
    assert found, line + proc.stderr.read()
    return proc, found.group(0)


def test_the_command_keeps_every_answer_through_kill_9_and_resumes(tmp_path):
    run = make_run(tmp_path / "run")
    proc, url = _start(run.report_dir)
    try:
        parts = urlsplit(url)
        response, _ = _request(parts.port, "POST", f"/label?{parts.query}", "key=1")
        assert response.status == 303
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    assert [r["kind"] for r in label_rows(run.report_dir)] == ["label"]
    proc, url = _start(run.report_dir)
    try:
        parts = urlsplit(url)
        assert "1 of 3 answered" in _request(parts.port, "GET", f"/?{parts.query}")[1]
        proc.send_signal(signal.SIGINT)  # Ctrl-C: stops serving, prints the summary
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "ann: 1 labelled, 0 skipped" in out
