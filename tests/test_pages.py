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
    """A live voila app."""
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server}/voila/render/{name}.ipynb?token={TOKEN}")
    page.wait_for_selector(".cx-title", timeout=90_000)
    return page, errors


def _built(browser, server, job, locale):
    """A page built at the end of a run, as a visitor opens it (token in the first URL only)."""
    page = browser.new_page()
    errors, urls = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: urls.append(r.url))
    page.goto(f"{server}/pages/{job}.{locale}.html?token={TOKEN}")
    page.wait_for_selector(".cx-title", timeout=30_000)
    page.wait_for_load_state("networkidle")
    return page, errors, urls


def _visible_text(page) -> str:
    return page.evaluate("() => document.querySelector('main').innerText")


def _check_clean(page, errors, name):
    html = page.content()
    assert "import cxlab" not in html and "cxlab.reports" not in html, "notebook source leaked into the page"
    assert "Traceback" not in html
    text = page.inner_text("body")
    words = set(text.replace("（", " ").replace("）", " ").split())
    assert not {w for w in INTERNAL_COLUMNS if "_" in w or not w.isalpha()} & words, name  # snake_case, NaN, []
    headers = set(page.eval_on_selector_all("th, option, label", "els => els.map(e => e.innerText.trim())"))
    assert not headers & INTERNAL_COLUMNS, (name, headers & INTERNAL_COLUMNS)  # no column shown by its code
    unexpected = [e for e in errors if not any(k in e for k in KNOWN_CONSOLE_NOISE)]
    assert not unexpected, unexpected
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page_{name}.png"), full_page=True)


TITLES = {"scores_weekly": ("客户体验总览", "CX overview"), "segments_weekly": ("细分分析", "Segments"),
          "comments_weekly": ("客户评论", "Customer comments"), "experiment_onboarding": ("实验", "Experiment")}


def _pick_other(page, switch: str) -> None:
    """Choose the last option of the first picker of ``switch``; the shown view must change."""
    before = page.evaluate(f"() => document.querySelector('{switch} > .cx-view:not([hidden])').dataset.key")
    select = f"{switch} > .cx-pickers select >> nth=0"
    options = page.eval_on_selector(select, "s => Array.from(s.options).map(o => o.value)")
    assert len(options) > 1, switch
    page.select_option(select, options[-1])
    after = page.evaluate(f"() => document.querySelector('{switch} > .cx-view:not([hidden])').dataset.key")
    assert after != before and after.startswith(options[-1]), (before, after)
    assert page.locator(f"{switch} > .cx-view:not([hidden])").inner_text().strip()


@pytest.mark.parametrize("locale", ["zh", "en"])
@pytest.mark.parametrize("job, switch", [("scores_weekly", ".cx-over-time"), ("segments_weekly", ".cx-breakdown"),
                                         ("comments_weekly", ".cx-words")])
def test_built_pages_open_with_headline_figures_charts_and_pickers(browser, server, project, job, switch, locale):
    page, errors, urls = _built(browser, server, job, locale)
    zh = locale == "zh"
    assert page.inner_text(".cx-title") == TITLES[job][0 if zh else 1]
    good = cxlab.outputs.latest_run(job, outputs=project / "outputs")
    assert good["run_id"] in page.inner_text(".cx-banner")
    assert page.locator(".cx-card").count() >= 2, "headline figures first"
    charts = page.locator("img.cx-chart:visible")
    assert charts.count() >= 1 and charts.first.evaluate("i => i.naturalWidth") > 100
    _pick_other(page, switch)
    text = _visible_text(page)
    assert ("净推荐值" in text or "满意度" in text or "低分" in text) if zh else ("NPS" in text or "CSAT" in text
                                                                          or "low" in text)
    for bad in ("nan", "NaN", "<NA>", "None", "[]"):
        assert bad not in text.split(), (job, locale, bad)
    assert urls and not _off_machine(urls), _off_machine(urls)
    _check_clean(page, errors, f"{job}_{locale}")


def test_the_overview_headline_is_the_runs_numbers(browser, server, project):
    page, _, _ = _built(browser, server, "scores_weekly", "zh")
    trend = cxlab.outputs.read_run_table("scores_weekly", "trend", outputs=project / "outputs")
    last = trend[trend.metric == "nps"].iloc[-1]
    first_card = page.inner_text(".cx-card >> nth=0")
    assert "净推荐值 NPS" in first_card and f"{last['value']:.1f} 分" in first_card and f"{int(last['n']):,}" in first_card
    memo = page.inner_text(".cx-memo")
    assert "变化：" in memo and "体验流失在哪里：" in memo and "下一步：" in memo
    page.select_option(".cx-over-time .cx-metric", "csat")  # names shown, codes kept
    assert "满意度 CSAT %" in page.eval_on_selector(".cx-over-time .cx-metric", "s => s.options[s.selectedIndex].text")
    shown = page.locator(".cx-over-time > .cx-view:not([hidden])")
    first = trend[trend.metric == "csat"].iloc[0]
    assert f"{first['value']:.1f}%" in shown.inner_text() or shown.locator("details").count()


def test_a_built_page_keeps_the_last_good_run_and_says_the_newest_failed(browser, server, project):
    for locale, word in (("zh", "失败"), ("en", "failed")):
        page, _, _ = _built(browser, server, "segments_weekly", locale)
        banner = page.inner_text(".cx-banner")
        good = cxlab.outputs.latest_run("segments_weekly", outputs=project / "outputs")
        assert word in banner and good["run_id"] in banner
        assert "customer_id" not in page.content() and "@example.com" not in page.content()  # no personal data


def test_the_comments_page_shows_no_personal_data(browser, server, project):
    from cxlab.text import find_personal_data

    page, _, _ = _built(browser, server, "comments_weekly", "zh")
    assert not find_personal_data(page.inner_text("body"))
    assert "处个人信息" in page.inner_text("body")
    phrases = cxlab.outputs.read_run_table("comments_weekly", "phrases", outputs=project / "outputs")
    assert phrases.iloc[0]["phrase"] in page.content()


def test_a_built_page_without_a_successful_run_says_so(browser, server):
    for locale, words in (("zh", "还没有生成"), ("en", "not built yet")):
        page = browser.new_page()  # a job that never ran (not in the fixture's schedule): what to do
        status = page.goto(f"{server}/pages/experiment_onboarding.{locale}.html?token={TOKEN}").status
        assert status == 404 and words in page.inner_text("body") and "cxlab run" in page.inner_text("body")
        page.close()
        index, _, _ = _built(browser, server, "index", locale)  # the list: each page with its run banner
        assert "segments_weekly" in index.inner_text("body") and index.locator(".cx-banner-warning").count() == 1
        _check_clean(index, [], f"index_{locale}")


def test_the_first_visitor_after_a_run_sees_that_run(server, project):
    schedule = project / "schedule.yaml"
    before = cxlab.outputs.latest_run("scores_weekly", outputs=project / "outputs")["run_id"]
    result = run_job("scores_weekly", schedule=schedule, outputs=project / "outputs")
    assert result.record["run_id"] != before
    body = urllib.request.urlopen(f"{server}/pages/scores_weekly.zh.html?token={TOKEN}", timeout=30).read().decode()
    assert result.record["run_id"] in body and before not in body


def test_the_live_overview_app_draws_the_same_page(browser, server, project):
    page, errors = _open(browser, server, "overview")
    record = cxlab.outputs.latest_run("scores_weekly", outputs=project / "outputs")
    assert record["run_id"] in page.inner_text(".cx-banner")
    assert page.inner_text(".cx-title") == "客户体验总览"  # Chinese sample data: a Chinese page
    page.wait_for_selector(".cx-card")
    before = page.inner_html(".cx-switch")
    page.select_option(".cx-metric select", "满意度 CSAT %")  # names in the picker, not codes
    page.wait_for_function("(b) => document.querySelector('.cx-switch').innerHTML !== b", arg=before)
    _check_clean(page, errors, "live_overview")


def test_a_live_app_without_a_successful_run_says_so(browser, server):
    page, errors = _open(browser, server, "experiment")  # the fixture never ran the experiment job
    assert page.inner_text(".cx-title") == "Experiment"  # no run, no Chinese labels: English
    assert "has succeeded yet" in page.inner_text(".cx-banner")
    _check_clean(page, errors, "live_experiment_empty")


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
    ARTIFACTS.mkdir(exist_ok=True)
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
    assert "scores_weekly" in page.content() and not _off_machine(urls), _off_machine(urls)
    page.close()
    for job in ("scores_weekly", "segments_weekly", "comments_weekly"):
        record = cxlab.outputs.latest_run(job, outputs=project / "outputs")
        report = project / "outputs" / job / record["run_id"] / "report.html"
        page = browser.new_page()
        urls = []
        page.on("request", lambda r, urls=urls: urls.append(r.url))
        page.goto(report.as_uri())
        page.wait_for_load_state("networkidle")
        assert urls and not _off_machine(urls), _off_machine(urls)
        assert "https://" not in "".join(re.findall(r'(?:src|href)="[^"]*"', report.read_text(encoding="utf-8")))
        page.screenshot(path=str(ARTIFACTS / f"report_{job}.png"), full_page=True)
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
