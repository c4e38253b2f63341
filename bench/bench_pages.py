"""Page benchmark: time from navigation to the first rendered widget, cold and with preheat,
and the page-open time under 20 concurrent visitors on loopback (bounded, self-stopping).

    python bench/bench_pages.py [--repeats 5]

Needs the report runs (`cxlab run --all`) and Debian's chromium. Target: <= 2 s median with preheat.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

from cxlab.reports.server import serve_command

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
TOKEN = "bench"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(preheat: bool) -> tuple[subprocess.Popen, str]:
    port = _port()
    proc = subprocess.Popen(serve_command(port=port, token=TOKEN, preheat=preheat),
                            env={**os.environ, "CXLAB_HOME": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/?token={TOKEN}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    return proc, base


def _first_widget(ctx, url: str) -> float:
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".cx-title", timeout=120_000)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--visitors", type=int, default=20)
    args = parser.parse_args()
    results = {}
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(tempfile.mkdtemp(), executable_path=shutil.which("chromium"),
                                                   headless=True, args=FLAGS)
        for preheat in (False, True):
            proc, base = _start(preheat)
            url = f"{base}/voila/render/overview.ipynb?token={TOKEN}"
            try:
                times = []
                for _ in range(args.repeats):
                    if preheat:
                        time.sleep(3)  # let the pool refill its warm kernel between visits
                    times.append(_first_widget(ctx, url))
                results["preheat" if preheat else "cold"] = float(np.median(times))
                if preheat:
                    # concurrent page opens (HTML of the page, which starts or takes a kernel each)
                    def fetch(_):
                        t0 = time.perf_counter()
                        urllib.request.urlopen(url, timeout=120).read()
                        return time.perf_counter() - t0

                    with ThreadPoolExecutor(args.visitors) as pool:
                        loads = list(pool.map(fetch, range(args.visitors)))
                    results["concurrent_median"] = float(np.median(loads))
                    results["concurrent_max"] = float(np.max(loads))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        ctx.close()
    print(f"navigation to first widget, overview page (median of {args.repeats}):")
    print(f"  cold (kernel started per visit): {results['cold']:.2f} s")
    print(f"  preheated kernel:                {results['preheat']:.2f} s   (target <= 2 s)")
    print(f"{args.visitors} concurrent visitors, page HTML: median {results['concurrent_median']:.2f} s, "
          f"slowest {results['concurrent_max']:.2f} s")


if __name__ == "__main__":
    main()
