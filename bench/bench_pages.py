"""Audience benchmark: the stakeholder pages under 20 real browsers and 100 HTTP visitors at once.

    python bench/bench_pages.py [--job scores_weekly] [--browsers 20] [--clients 100] [--limit 300]

Needs the report runs (`cxlab run --all`, which also builds the pages) and Debian's chromium.
Starts `cxlab serve` on loopback with a throwaway token, and stops it at the end (or after
``--limit`` seconds, whatever happens). Prints, against the targets of issue 13:

- 20 concurrent Chromium visitors: request to fully rendered page (headline figures drawn, every
  visible chart decoded, the banner naming the newest good run): median <= 3 s, max <= 5 s;
- 100 concurrent HTTP visitors (the whole page each): median <= 10 s, none failing;
- picker response in the browser (choice to the new view shown): median <= 0.5 s;
- for scale, one live voila app opened by one visitor (a kernel per visitor: the reason the
  audience reads built pages).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TOKEN = "bench-audience"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start() -> tuple[subprocess.Popen, str]:
    from cxlab.reports.server import serve_command

    port = _port()
    proc = subprocess.Popen(serve_command(port=port, token=TOKEN), env={**os.environ, "CXLAB_HOME": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{base}/pages/index.zh.html?token={TOKEN}", timeout=2)
            return proc, base
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise SystemExit("the page server did not come up")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


_RENDERED = """(run) => {
  const cards = document.querySelectorAll('.cx-card').length > 0;
  const banner = (document.querySelector('.cx-banner') || {}).innerText || '';
  const imgs = Array.from(document.querySelectorAll('img.cx-chart')).filter(i => i.offsetParent !== null);
  return cards && banner.includes(run) && imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0);
}"""


async def _browsers(url: str, run_id: str, n: int) -> tuple[list[float], list[float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
        contexts = [await browser.new_context(viewport={"width": 1200, "height": 900}) for _ in range(n)]
        pages = [await c.new_page() for c in contexts]

        async def visit(page) -> float:
            t0 = time.perf_counter()
            await page.goto(url)
            await page.wait_for_function(_RENDERED, arg=run_id, timeout=60_000)
            return time.perf_counter() - t0

        times = await asyncio.gather(*(visit(p) for p in pages))
        picks = []
        page = pages[0]
        options = await page.eval_on_selector(".cx-switch .cx-pickers select",
                                              "s => Array.from(s.options).map(o => o.value)")
        for value in (options[1:] + options[:1]) * 2:
            t0 = time.perf_counter()
            await page.select_option(".cx-switch .cx-pickers select >> nth=0", value)
            await page.wait_for_function(
                "(v) => { const el = document.querySelector('.cx-switch > .cx-view:not([hidden])');"
                " return el && el.dataset.key.startsWith(v) && el.innerText.length > 0; }", arg=value)
            picks.append(time.perf_counter() - t0)
        await browser.close()
        return list(times), picks


def _http(url: str, n: int) -> tuple[list[float], int]:
    def one(_):
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                r.read()
                ok = r.status == 200
        except OSError:
            ok = False
        return time.perf_counter() - t0, ok

    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(one, range(n)))
    return [t for t, _ in results], sum(not ok for _, ok in results)


def _live_app(base: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(tempfile.mkdtemp(), executable_path=shutil.which("chromium"),
                                                   headless=True, args=FLAGS)
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(f"{base}/voila/render/overview.ipynb?token={TOKEN}")
        page.wait_for_selector(".cx-card", timeout=120_000)
        elapsed = time.perf_counter() - t0
        ctx.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", default="scores_weekly")
    parser.add_argument("--browsers", type=int, default=20)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--limit", type=float, default=300, help="seconds before everything is stopped")
    args = parser.parse_args(argv)
    latest = ROOT / "outputs" / args.job / "latest.json"
    if not latest.exists():
        raise SystemExit(f"no run of {args.job}: run `cxlab run --all` first")
    run_id = json.loads(latest.read_text(encoding="utf-8"))["run_id"]
    proc, base = _start()
    signal.signal(signal.SIGALRM, lambda *_: (_stop(proc), sys.exit("stopped: over the time limit")))
    signal.alarm(int(args.limit))
    try:
        url = f"{base}/pages/{args.job}.zh.html?token={TOKEN}"
        size = len(urllib.request.urlopen(url, timeout=30).read())
        times, picks = asyncio.run(_browsers(url, run_id, args.browsers))
        http_times, failed = _http(url, args.clients)
        live = _live_app(base)
    finally:
        signal.alarm(0)
        _stop(proc)
    med = statistics.median
    print(f"page {args.job}.zh.html: {size / 1024:.0f} KiB, run {run_id}, {os.cpu_count()} cores")
    print(f"  {args.browsers} concurrent Chromium visitors: median {med(times):.2f} s, max {max(times):.2f} s"
          f"   (targets <= 3 s, <= 5 s)")
    print(f"  {args.clients} concurrent HTTP visitors:     median {med(http_times):.2f} s, max {max(http_times):.2f} s,"
          f" {failed} failed   (targets <= 10 s, none failing)")
    print(f"  picker response:                 median {med(picks):.3f} s, max {max(picks):.3f} s   (target <= 0.5 s)")
    print(f"  one visitor of the live voila app (its own kernel): {live:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
