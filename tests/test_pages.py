"""Stakeholder pages in a real browser: Playwright driving Debian's Chromium against standalone voila.

Skipped when chromium is absent outside CI; under CI=true a missing browser fails.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
import yaml

import cxlab
from cxlab.reports.pages import run_state, serve_command
from cxlab.reports.runner import run_job

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
TOKEN = "test-token"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KNOWN_CONSOLE_NOISE = ()  # pages and reports fetch nothing from the web (test_nothing_is_fetched_...)
#: Column names of saved tables that a page must never show.
INTERNAL_COLUMNS = {"ci_low", "ci_high", "p_adjusted", "p_value", "previous_n", "count_low", "count_high", "n_missing",
                    "share_low", "share_high", "value_control", "differs", "small", "nan", "NaN", "<NA>", "[]"}


def _chromium():
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must install Debian's chromium (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return path


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project folder with real runs of the scores and segments jobs (no experiment run)."""
    home = tmp_path_factory.mktemp("home")
    data = home / "data"
    cxlab.sample.write(data, 6000, seed=4)
    jobs = {}
    for job, nb, params in (("scores_weekly", "scores", {"data_dir": str(data)}),
                            ("segments_weekly", "segments", {"data_dir": str(data)}),
                            ("comments_weekly", "comments", {"data_dir": str(data), "n_topics": 3})):
        p = home / f"{job}.yaml"
        p.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
        jobs[job] = {"notebook": str(ROOT / "notebooks" / f"{nb}.ipynb"), "params": str(p), "timeout": 300}
    schedule = home / "schedule.yaml"
    schedule.write_text(yaml.safe_dump({"jobs": jobs}), encoding="utf-8")
    for job in jobs:
        run_job(job, schedule=schedule, outputs=home / "outputs")
    # The segments job's newest run fails (its data folder is gone): its page must keep the good one.
    broken = home / "segments_broken.yaml"
    broken.write_text(yaml.safe_dump({"data_dir": str(home / "no_such_folder")}), encoding="utf-8")
    jobs["segments_weekly"]["params"] = str(broken)
    schedule.write_text(yaml.safe_dump({"jobs": jobs}), encoding="utf-8")
    with pytest.raises(cxlab.ParameterError):
        run_job("segments_weekly", schedule=schedule, outputs=home / "outputs")
    return home


@pytest.fixture(scope="module")
def server(project):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CXLAB_HOME": str(project)}
    proc = subprocess.Popen(serve_command(port=port, token=TOKEN, apps=ROOT / "notebooks" / "apps"), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/?token={TOKEN}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    path = _chromium()
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(tempfile.mkdtemp(), executable_path=path, headless=True,
                                                   viewport={"width": 1200, "height": 1600}, args=CHROMIUM_FLAGS)
        yield ctx
        ctx.close()


def _open(browser, server, name):
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/voila/render/{name}.ipynb?token={TOKEN}")
    page.wait_for_selector(".cx-title", timeout=90_000)
    return page, errors


def _check_clean(page, errors, name):
    html = page.content()
    assert "import cxlab" not in html and "cxlab.reports.pages" not in html, "notebook source leaked into the page"
    assert "Traceback" not in html
    unexpected = [e for e in errors if not any(k in e for k in KNOWN_CONSOLE_NOISE)]
    assert not unexpected, unexpected
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page_{name}.png"), full_page=True)


def test_overview_page_shows_the_runs_numbers_and_filters(browser, server, project):
    page, errors = _open(browser, server, "overview")
    record = cxlab.outputs.latest_run("scores_weekly", outputs=project / "outputs")
    assert record["run_id"] in page.inner_text(".cx-banner")
    overall = cxlab.outputs.read_run_table("scores_weekly", "overall", outputs=project / "outputs").set_index("metric")
    text = page.inner_text("body")
    assert page.inner_text(".cx-title") == "客户体验总览"  # Chinese sample data: a Chinese page
    assert f"{overall.loc['nps', 'value']:.1f} 分" in text and f"{overall.loc['nps', 'n']:,}" in text
    assert not set(text.split()) & INTERNAL_COLUMNS
    before = page.inner_text(".cx-table >> nth=1")
    page.select_option(".cx-metric select", "满意度 CSAT %")  # names in the picker, not codes
    page.wait_for_function("(b) => document.querySelectorAll('.cx-table')[1].innerText !== b", arg=before)
    trend = cxlab.outputs.read_run_table("scores_weekly", "trend", outputs=project / "outputs")
    first = trend[trend.metric == "csat"].iloc[0]
    assert f"{first['value']:.1f}" in page.inner_text(".cx-table >> nth=1")
    _check_clean(page, errors, "overview")


def test_segments_page_pickers_reslice_the_breakdown(browser, server, project):
    page, errors = _open(browser, server, "segments")
    assert page.inner_text(".cx-title") == "细分分析"
    page.select_option(".cx-dimension select", "渠道")
    page.wait_for_function("() => document.querySelector('.cx-table').innerText.includes('公众号')")
    before = page.inner_text(".cx-table")
    page.select_option(".cx-metric select", "费力度 CES (1-7)")
    page.wait_for_function("(b) => document.querySelector('.cx-table').innerText !== b", arg=before)
    table = cxlab.outputs.read_run_table("segments_weekly", "breakdown", outputs=project / "outputs")
    row = table[(table.segment == "channel") & (table.metric == "ces") & (table.level == "公众号")].iloc[0]
    assert f"{row['value']:.2f}" in page.inner_text(".cx-table")  # a CES mean: two decimals
    # The newest segments run failed (fixture): the page says so and names the good run it shows.
    banner = page.inner_text(".cx-banner")
    good = cxlab.outputs.latest_run("segments_weekly", outputs=project / "outputs")
    assert "失败" in banner and good["run_id"] in banner
    assert not set(page.inner_text("body").split()) & INTERNAL_COLUMNS
    assert "customer_id" not in page.content() and "@example.com" not in page.content()  # no personal data
    _check_clean(page, errors, "segments")


def test_comments_page_reslices_keywords_and_shows_no_personal_data(browser, server, project):
    page, errors = _open(browser, server, "comments")
    before = page.inner_text(".cx-table")
    options = page.eval_on_selector(".cx-dimension select", "s => Array.from(s.options).map(o => o.value)")
    page.select_option(".cx-dimension select", options[-1])
    page.wait_for_function("(b) => document.querySelector('.cx-table').innerText !== b", arg=before)
    from cxlab.text import find_personal_data

    assert not find_personal_data(page.inner_text("body"))
    assert page.inner_text(".cx-title") == "客户评论"
    assert "处个人信息" in page.inner_text("body") and "已在保存和展示前脱敏" in page.inner_text("body")
    assert not set(page.inner_text("body").split()) & INTERNAL_COLUMNS
    phrases = cxlab.outputs.read_run_table("comments_weekly", "phrases", outputs=project / "outputs")
    assert phrases.iloc[0]["phrase"] in page.inner_text(".cx-phrases")
    # Sentiment next to the score: the run's own numbers, re-sliced by the picker.
    sentiment = cxlab.outputs.read_run_table("comments_weekly", "sentiment_by_channel", outputs=project / "outputs")
    page.select_option(".cx-sentiment-by select", "渠道")
    page.wait_for_function("() => document.querySelector('.cx-sentiment').innerText.includes('公众号')")
    row = sentiment[sentiment.channel == "公众号"].iloc[0]
    shown = page.inner_text(".cx-sentiment")
    assert f"{row['positive']:.1f}" in shown and f"{row['score_mean']:.2f}" in shown
    _check_clean(page, errors, "comments")


def test_a_page_without_a_successful_run_says_so(browser, server):
    page, errors = _open(browser, server, "experiment")  # the fixture never ran the experiment job
    assert page.inner_text(".cx-title") == "Experiment"  # no run, no Chinese labels: English
    assert "has succeeded yet" in page.inner_text(".cx-banner")
    _check_clean(page, errors, "experiment_empty")


def test_execute_requests_over_the_page_kernel_are_refused(server, tmp_path):
    import websocket

    html = urllib.request.urlopen(f"{server}/voila/render/overview.ipynb?token={TOKEN}", timeout=60).read().decode()
    kernel = re.search(r'"kernelId": *"([0-9a-f-]{36})"', html).group(1)
    marker = tmp_path / "executed"
    ws = websocket.create_connection(f"{server.replace('http', 'ws')}/api/kernels/{kernel}/channels?token={TOKEN}",
                                     timeout=5)
    ws.send(json.dumps({"header": {"msg_id": uuid.uuid4().hex, "username": "visitor", "session": uuid.uuid4().hex,
                                   "msg_type": "execute_request", "version": "5.3", "date": ""},
                        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                        "content": {"code": f"open({str(marker)!r}, 'w').write('ran')", "silent": False,
                                    "store_history": False, "user_expressions": {}, "allow_stdin": False,
                                    "stop_on_error": True}}))
    replies, deadline = [], time.time() + 5
    ws.settimeout(1)
    while time.time() < deadline:
        try:
            replies.append(json.loads(ws.recv()).get("msg_type"))
        except Exception:  # noqa: BLE001 - timeouts while waiting
            pass
    ws.close()
    assert "execute_reply" not in replies and not marker.exists()


def _off_machine(urls):
    """The requests that would leave the machine: anything but loopback http(s), file: and data:."""
    return [u for u in urls if urlparse(u).scheme not in ("file", "data", "blob")
            and urlparse(u).hostname not in ("127.0.0.1", "localhost", "::1")]


def test_nothing_is_fetched_from_the_web_when_a_page_or_report_opens(browser, server, project):
    for name in ("overview", "segments", "comments", "experiment"):
        page = browser.new_page()
        urls = []
        page.on("request", lambda r, urls=urls: urls.append(r.url))
        page.goto(f"{server}/voila/render/{name}.ipynb?token={TOKEN}")
        page.wait_for_selector(".cx-title", timeout=90_000)
        page.wait_for_load_state("networkidle")
        assert urls and not _off_machine(urls), (name, _off_machine(urls))
        page.close()
    page = browser.new_page()
    urls = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(f"{server}/?token={TOKEN}")  # the page list
    page.wait_for_load_state("networkidle")
    assert "overview" in page.inner_text("body") and not _off_machine(urls), _off_machine(urls)
    page.close()
    record = cxlab.outputs.latest_run("scores_weekly", outputs=project / "outputs")
    report = project / "outputs" / "scores_weekly" / record["run_id"] / "report.html"
    page = browser.new_page()
    urls = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("networkidle")
    assert urls and not _off_machine(urls), _off_machine(urls)
    assert "https://" not in "".join(re.findall(r'(?:src|href)="[^"]*"', report.read_text(encoding="utf-8")))
    page.close()


def test_run_state_messages(tmp_path):
    outputs = tmp_path / "outputs"
    assert run_state("scores_weekly", outputs)["level"] == "empty"
    good = outputs / "job" / "20260101T000000Z-aaaa"
    bad = outputs / "job" / "20260102T000000Z-bbbb"
    for folder, status in ((good, "succeeded"), (bad, "failed")):
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps({"run_id": folder.name, "status": status,
                                                     "started_at": f"{folder.name[:4]}-01-0{folder.name[7]}T00:00:00+00:00",
                                                     "ended_at": "2026-01-01T00:10:00+00:00"}))
    (outputs / "job" / "latest.json").write_text((good / "run.json").read_text())
    state = run_state("job", outputs)
    assert state["level"] == "warning" and "newest run" in state["message"] and good.name in state["message"]
