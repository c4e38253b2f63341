"""The page server against visitors: real HTTP and websocket requests to servers on 127.0.0.1.

Each server is started and stopped by the test (module fixture, or the test itself for the signal tests).
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cxlab.errors import ParameterError
from cxlab.reports.cli import main
from cxlab.reports.pages import PUBLIC_PATHS, serve_command

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
TOKEN = "security-test-token"
SECRET = "SECRET-PROJECT-CONTENT-4711"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a new server binds: TIME_WAIT is no listener
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _wait_up(base: str, token: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        assert proc.poll() is None, "the page server exited while starting"
        try:
            urllib.request.urlopen(f"{base}/?token={token}", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the page server did not come up")


def _status(url: str, method: str = "GET", headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect to the login form is an answer, not content
        return None


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project whose every file holds SECRET: an outputs run (table, figure, notebook, report) and apps."""
    home = tmp_path_factory.mktemp("home")
    run = home / "outputs" / "scores_weekly" / "20260101T000000Z-abcd"
    (run / "tables").mkdir(parents=True)
    (run / "figures").mkdir()
    (run / "tables" / "overall.csv").write_text(f"metric,value\n{SECRET},1\n", encoding="utf-8")
    (run / "figures" / "trend.png").write_bytes(b"\x89PNG\r\n\x1a\n" + SECRET.encode())
    (run / "figures" / "trend.svg").write_text(f"<svg>{SECRET}</svg>", encoding="utf-8")
    (run / "report.html").write_text(SECRET, encoding="utf-8")
    (run / "notebook.ipynb").write_text(json.dumps({"cells": [], "metadata": {"x": SECRET}}), encoding="utf-8")
    shutil.copytree(ROOT / "notebooks" / "apps", home / "notebooks" / "apps")
    (home / "notebooks" / "apps" / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + SECRET.encode())
    (home / "notebooks" / "apps" / "notes.svg").write_text(f"<svg>{SECRET}</svg>", encoding="utf-8")
    (home / "params").mkdir()
    return home


@pytest.fixture(scope="module")
def server(project):
    port = _free_port()
    env = {**os.environ, "CXLAB_HOME": str(project)}
    proc = subprocess.Popen(serve_command(port=port, token=TOKEN, apps=project / "notebooks" / "apps"), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, TOKEN, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _kernel_id(server: str) -> str:
    status, html = _status(f"{server}/voila/render/overview.ipynb?token={TOKEN}")
    assert status == 200
    return re.search(r'"kernelId": *"([0-9a-f-]{36})"', html.decode()).group(1)


# 1. Tokens ---------------------------------------------------------------------------------------------------


def test_an_empty_token_is_refused_with_a_clear_message(capsys):
    assert main(["serve", "--token", ""]) == 2
    err = capsys.readouterr().err
    assert "token" in err and "empty" in err.lower()
    for token in ("", "  ", None):
        with pytest.raises(ParameterError, match="token"):
            serve_command(port=1, token=token)


def test_every_page_needs_the_token(server):
    for path in ("/pages/index.zh.html", "/pages/scores_weekly.en.html", "/voila/render/overview.ipynb",
                 "/voila/tree", "/voila/files/chart.png"):
        status, _ = _status(f"{server}{path}")
        assert status in (302, 403), (path, status)
        status, _ = _status(f"{server}{path}?token=wrong-{TOKEN}")
        assert status in (302, 403), (path, status)
    assert _status(f"{server}/pages/index.en.html?token={TOKEN}")[0] == 200
    assert _status(f"{server}/voila/tree?token={TOKEN}")[0] == 200
    # / leads to the list of built pages, keeping the token for the cookie
    request = urllib.request.Request(f"{server}/?token={TOKEN}")
    with pytest.raises(urllib.error.HTTPError) as moved:
        urllib.request.build_opener(_NoRedirect).open(request, timeout=10)
    assert moved.value.code == 302 and moved.value.headers["Location"].startswith("/pages/index.")
    assert f"token={TOKEN}" in moved.value.headers["Location"]


# 2. Kernel REST and other jupyter_server APIs ----------------------------------------------------------------


def test_kernel_rest_and_other_apis_are_not_served(server):
    import websocket

    kernel = _kernel_id(server)
    # The page's widget manager reads its kernel's model: the token holder gets back id and name only.
    status, body = _status(f"{server}/api/kernels/{kernel}?token={TOKEN}")
    assert status == 200 and set(json.loads(body)) == {"id", "name"}
    assert _status(f"{server}/api/kernels/{kernel}")[0] in (302, 403)
    for method in ("DELETE", "PATCH", "POST", "PUT"):
        status, _ = _status(f"{server}/api/kernels/{kernel}?token={TOKEN}", method=method,
                            headers={"Authorization": f"token {TOKEN}"})
        assert status in (403, 404), (method, status)
    for path in ("/api/kernels", "/api/sessions", "/api/contents", "/api/contents/overview.ipynb", "/api/terminals",
                 "/api/kernelspecs", "/api/status", "/api/config/x", f"/api/kernels/{kernel}/restart",
                 "/voila/api/contents", "/voila/api/contents/overview.ipynb", f"/voila/query/{kernel}"):
        for method in ("GET", "POST", "DELETE"):
            status, _ = _status(f"{server}{path}?token={TOKEN}", method=method)
            assert status in (403, 404, 405), (path, method, status)
    # The DELETE did nothing: the page's kernel still answers on its websocket.
    ws = websocket.create_connection(f"{server.replace('http', 'ws')}/api/kernels/{kernel}/channels?token={TOKEN}",
                                     timeout=10)
    ws.close()


# 3. Origins --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example",
                                    "http://localhost.evil.example:1"])
def test_cross_origin_websocket_handshakes_are_refused(server, origin):
    import websocket

    kernel = _kernel_id(server)
    url = f"{server.replace('http', 'ws')}/api/kernels/{kernel}/channels?token={TOKEN}"
    with pytest.raises(websocket.WebSocketBadStatusException) as err:
        websocket.create_connection(url, timeout=10, origin=origin)
    assert err.value.status_code == 403


def test_same_origin_websocket_handshakes_are_accepted(server):
    import websocket

    kernel = _kernel_id(server)
    url = f"{server.replace('http', 'ws')}/api/kernels/{kernel}/channels?token={TOKEN}"
    ws = websocket.create_connection(url, timeout=10, origin=server)
    assert ws.connected
    ws.close()


def test_requests_for_a_foreign_host_name_are_refused(server):
    # DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
    port = int(server.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/voila/render/overview.ipynb?token={TOKEN}", headers={"Host": f"evil.example:{port}"})
    assert conn.getresponse().status == 403
    conn.close()


# 4. Files ----------------------------------------------------------------------------------------------------


def test_no_project_file_is_readable_without_the_token(server, project):
    run = "outputs/scores_weekly/20260101T000000Z-abcd"
    targets = [f"{run}/tables/overall.csv", f"{run}/figures/trend.png", f"{run}/figures/trend.svg",
               f"{run}/report.html", f"{run}/notebook.ipynb", "notebooks/apps/overview.ipynb",
               "notebooks/apps/chart.png"]
    prefixes = ["/voila/files/", "/voila/files/../../", "/voila/files/%2e%2e/%2e%2e/", "/files/", "/",
                "/voila/static/", "/voila/static/../../../../", "/voila/templates/lab/static/",
                "/voila/templates/lab/static/..%2F..%2F..%2F", "/voila/labextensions/", "/voila/api/themes/"]
    for prefix in prefixes:
        for target in [*targets, *(Path(t).name for t in targets), str(project / targets[0])]:
            status, body = _status(f"{server}{prefix}{target}")
            assert SECRET.encode() not in body, (prefix, target, status)
    # With the token, an allow-listed file next to the pages is served (the check is the token, not a 404).
    status, body = _status(f"{server}/voila/files/chart.png?token={TOKEN}")
    assert status == 200 and SECRET.encode() in body


def test_what_is_public_is_voilas_own_assets_only(server):
    assert _status(f"{server}/voila/static/voila.js")[0] == 200  # voila's script, needed before login
    for path in ("/", "/voila/tree", "/voila/render/overview.ipynb", "/voila/files/chart.png", "/voila/files/notes.svg",
                 "/api/kernels"):
        status, _ = _status(f"{server}{path}")
        assert status != 200 and not any(path.startswith(p) for p in PUBLIC_PATHS), path


# 5. Signals --------------------------------------------------------------------------------------------------


def _tree(pid: int) -> set[int]:
    psutil = pytest.importorskip("psutil")
    try:
        root = psutil.Process(pid)
        return {pid, *(c.pid for c in root.children(recursive=True))}
    except psutil.NoSuchProcess:
        return set()


def _alive(pids: set[int]) -> set[int]:
    import psutil

    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_cxlab_serve_and_every_kernel(project, sig):
    port = _free_port()
    env = {**os.environ, "CXLAB_HOME": str(project)}
    cxlab = str(Path(sys.executable).with_name("cxlab"))
    proc = subprocess.Popen([cxlab, "serve", f"--port={port}"], env=env, cwd=project, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first = proc.stdout.readline()
        token = re.search(r"token=(\S+)", first).group(1)  # no --token given: a random one
        assert len(token) >= 16
        base = f"http://127.0.0.1:{port}"
        _wait_up(base, token, proc)
        assert _status(f"{base}/")[0] in (302, 403)
        for app in ("overview", "segments"):  # two visitors of the live apps: a kernel each
            _status(f"{base}/voila/render/{app}.ipynb?token={token}")
        deadline = time.time() + 30
        while len(_tree(proc.pid)) < 3 and time.time() < deadline:  # cxlab serve and at least two kernels
            time.sleep(0.2)
        pids = _tree(proc.pid)
        assert len(pids) >= 3, pids
        proc.send_signal(sig)
        proc.wait(timeout=15)
        deadline = time.time() + 10
        while _alive(pids) and time.time() < deadline:
            time.sleep(0.2)
        assert not _alive(pids), f"left running after {sig.name}: {_alive(pids)}"
        assert _port_is_free(port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
