"""The page server: voila, hardened for visitors, in the ``cxlab serve`` process.

Kept apart from :mod:`cxlab.reports.pages` (the page apps, which page kernels import) so that a
page kernel never loads voila or tornado; the server class is built inside a function for the
same reason.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import secrets
import sys
from pathlib import Path

from .._paths import project_root, resolve
from ..errors import ParameterError

__all__ = ["serve_command", "serve", "run_page_server", "VOILA_SETTINGS", "PUBLIC_PATHS"]

#: Explicit voila settings (also in notebooks/apps/voila.json): no sources, no tracebacks,
#: a cell timeout, idle kernels culled, one preheated kernel per page.
VOILA_SETTINGS = {
    "Voila.ip": "127.0.0.1",
    "VoilaConfiguration.strip_sources": True,
    "VoilaConfiguration.show_tracebacks": False,
    "VoilaExecutor.timeout": 60,
    "MappingKernelManager.cull_idle_timeout": 900,
    "MappingKernelManager.cull_interval": 60,
}



#: Paths a visitor reaches without the token: voila's own scripts, styles, fonts and themes, and the
#: login form. Everything else (pages, the page list, /voila/files/, the kernel websocket) needs the token.
PUBLIC_PATHS = ("/voila/static/", "/voila/templates/", "/voila/labextensions/", "/voila/api/themes/", "/login")

#: The built pages run only their own inline script and show only inline images: nothing is fetched.
_PAGE_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

_REMOTE_ASSET = re.compile(r'<link[^>]*href="https?://[^"]*"[^>]*>|<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>')


def _not_built(name: str, locale: str) -> str:
    from .. import i18n

    text = html.escape(i18n.t("page.none_built" if name == "index" else "page.not_built", locale, job=name))
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(name)}</title></head>' \
           f'<body><p class="cx-banner cx-banner-empty">{text}</p></body></html>'


def _voila_args(*, port: int, token: str | None, apps: str | Path, preheat: bool) -> list[str]:
    if token is None or not token.strip():
        raise ParameterError("The pages need an access token: give a non-empty --token, or none at all and "
                             "cxlab serve makes a random one. An empty token would serve every page to anyone.")
    args = [str(resolve(apps)), "--no-browser", f"--port={port}", f"--token={token}",
            "--VoilaConfiguration.classic_tree=True"]
    args += [f"--{k}={v}" for k, v in VOILA_SETTINGS.items()]
    if preheat:
        args += ["--VoilaConfiguration.preheat_kernel=True", "--VoilaKernelManager.kernel_pools_config="
                 + json.dumps({"default": {"pool_size": 1}})]
    return args


def serve_command(*, port: int = 8866, token: str | None = None, apps: str | Path = "notebooks/apps",
                  preheat: bool = False) -> list[str]:
    """The command that serves the pages: voila, hardened by :func:`run_page_server`.

    Never Lab's /voila/render, where tokens run code. ``token`` must be a non-empty string
    (:class:`~cxlab.errors.ParameterError` otherwise).
    """
    return [sys.executable, "-m", "cxlab.reports.server", *_voila_args(port=port, token=token, apps=apps,
                                                                      preheat=preheat)]


def _page_server_class():
    """Voila's app with the hardening of :func:`run_page_server` (imported only by the server)."""
    import shutil
    import signal
    import tempfile

    from jupyter_server.auth.identity import PasswordIdentityProvider
    from jupyter_server.base.handlers import JupyterHandler
    from jupyter_server.services.kernels.handlers import KernelHandler
    from tornado.web import HTTPError, authenticated
    from voila.app import Voila
    from voila.request_info_handler import RequestInfoSocketHandler
    from voila.static_file_handler import AllowListFileHandler
    from voila.tornado.contentshandler import VoilaContentsHandler

    class SameOriginIdentity(PasswordIdentityProvider):
        def should_check_origin(self, handler) -> bool:  # jupyter_server skips it for token holders
            return True

    class TokenFiles(JupyterHandler, AllowListFileHandler):
        async def prepare(self):
            await super().prepare()
            if self.current_user is None:
                raise HTTPError(403)

        def compute_etag(self):
            return AllowListFileHandler.compute_etag(self)

        def write_error(self, status_code, **kwargs):  # a bare status: no server template, no traceback
            self.finish(f"{status_code}: {self._reason}")

    class KernelModel(JupyterHandler):
        """GET of the page's own kernel model, which the page's widget manager reads: id and name only.

        Every other method (DELETE, PATCH, POST ...) is refused; restart, interrupt and the kernel list
        are not routed at all.
        """

        @authenticated
        def get(self, kernel_id):
            if kernel_id not in self.kernel_manager:
                raise HTTPError(404)
            self.finish({"id": kernel_id, "name": self.kernel_manager.get_kernel(kernel_id).kernel_name})

        def _refuse(self, *args, **kwargs):
            raise HTTPError(403)

        post = put = patch = delete = options = _refuse

    class BuiltPage(JupyterHandler):
        """A page built at the end of a run (:mod:`cxlab.reports.static`), read from disk on each visit.

        Token required (the cookie the first visit with ``?token=`` sets serves the rest); a page not
        built yet says how to build it. ``no-cache``: browsers ask again and get 304 until a run
        replaces the file, so a visitor never keeps an old run.
        """

        @authenticated
        def get(self, name, locale):
            folder = Path(self.settings["cxlab_pages"])
            path = folder / f"{name}.{locale}.html"
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-cache")
            self.set_header("Content-Security-Policy", _PAGE_CSP)
            self.set_header("X-Content-Type-Options", "nosniff")
            try:
                self.finish(path.read_bytes())
            except OSError:  # never built: say how to build it (the list of pages is always there)
                if name != "index":
                    self.set_status(404)
                self.finish(_not_built(name, locale))

        def write_error(self, status_code, **kwargs):
            self.finish(f"{status_code}: {self._reason}")

    class ToPages(JupyterHandler):
        """``/`` and ``/pages/``: to the list of pages in the server's language, keeping ``?token=``."""

        def get(self):
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(f"/pages/index.{self.settings['cxlab_locale']}.html{query}")

    class PageServer(Voila):
        def initialize(self, argv=None):
            super().initialize(argv)
            if not self.token:
                raise ParameterError("The page server refuses to start without a token.")
            signal.signal(signal.SIGINT, self._handle_signal_stop)  # voila handles SIGTERM only

        def _handle_signal_stop(self, sig, frame):
            loop = getattr(self, "ioloop", None)
            if loop is None:  # still starting: nothing served, no kernel yet
                raise SystemExit(128 + sig)
            loop.add_callback_from_signal(loop.stop)

        def setup_template_dirs(self):
            super().setup_template_dirs()
            self._offline = tempfile.mkdtemp(prefix="cxlab_pages_")
            seen: set[str] = set()  # the first file of a name on the template path wins, as in jinja
            for folder in map(Path, self.template_paths):
                for path in sorted([*folder.rglob("*.html"), *folder.rglob("*.j2")]) if folder.is_dir() else []:
                    name = path.relative_to(folder).as_posix()
                    if name in seen or "static" in path.parts:
                        continue
                    seen.add(name)
                    text = path.read_text(encoding="utf-8", errors="replace")
                    clean = _REMOTE_ASSET.sub("", text)
                    if name.endswith("mermaidjs.html.j2"):  # imports mermaid from a CDN when a page has a diagram
                        clean = '{%- macro mermaid_js(url="", elk_url="") -%}{%- endmacro -%}'
                    if clean != text:
                        copy = Path(self._offline) / name
                        copy.parent.mkdir(parents=True, exist_ok=True)
                        copy.write_text(clean, encoding="utf-8")
            self.template_paths.insert(0, self._offline)

        def init_settings(self):
            self.identity_provider_class = SameOriginIdentity
            settings = super().init_settings()
            settings.update(allow_remote_access=False, local_hostnames=["localhost"], allow_origin="",
                            allow_origin_pat="", cxlab_pages=str(resolve(os.environ.get("CXLAB_OUTPUTS", "outputs"))
                                                                   / "pages"),
                            cxlab_locale=os.environ.get("CXLAB_LOCALE", "").strip().lower() or "en")
            return settings

        def init_handlers(self):
            # Not for visitors: the kernel REST API (but the page's GET, see KernelModel), the contents API,
            # and the unauthenticated request-info socket of preheated kernels (no page asks for its query).
            dropped = (VoilaContentsHandler, RequestInfoSocketHandler)
            kept = []
            for spec in super().init_handlers():
                if spec[1] in dropped:
                    continue
                if spec[1] is KernelHandler:
                    spec = (spec[0], KernelModel, *spec[2:])
                if spec[1] is AllowListFileHandler:
                    spec = (spec[0], TokenFiles, *spec[2:])
                kept.append(spec)
            # the built pages come first, and / leads to them (voila's own page list stays at /voila/tree)
            return [(r"/", ToPages), (r"/pages/?", ToPages),
                    (r"/pages/([A-Za-z0-9_\-]+)\.(zh|en)\.html", BuiltPage), *kept]

        def stop(self):
            try:
                super().stop()
            finally:
                for kernel_id in list(self.kernel_manager.list_kernel_ids()):  # any the graceful shutdown missed
                    with contextlib.suppress(Exception):
                        self.kernel_manager.get_kernel(kernel_id).provisioner.process.kill()
                shutil.rmtree(getattr(self, "_offline", ""), ignore_errors=True)

    return PageServer


def run_page_server(argv: list[str]) -> int:
    """Run voila on ``argv`` (as for the ``voila`` command) in this process, hardened for visitors.

    Hardening: a non-empty token is required; every path but :data:`PUBLIC_PATHS` needs it, including
    ``/voila/files/``; the kernel REST and contents APIs are not served; websocket handshakes from
    another origin (or ``Origin: null``) are refused, token or not, and so are requests whose Host is not
    loopback; page templates reference no remote asset (voila's Font Awesome CDN links are dropped:
    voila's own bundle carries the icons). SIGTERM and SIGINT stop the server and shut down every kernel.
    """
    app = _page_server_class()()
    app.initialize(argv)
    app.start()
    return 0


def serve(*, port: int = 8866, token: str | None = None, preheat: bool = False, locale: str | None = None,
          outputs: str | Path = "outputs") -> int:
    """Serve the pages on loopback until SIGTERM or SIGINT; prints the address with its token.

    ``/pages/`` serves the pages built at the end of each run (:mod:`cxlab.reports.static`) from
    ``outputs``; ``/voila/render/<app>.ipynb`` the live voila apps, for exploring. ``locale``
    (``zh`` or ``en``) is the language ``/`` leads to and the live apps speak; default
    ``$CXLAB_LOCALE``, else the language of the newest runs. ``preheat`` keeps one warm
    kernel per live app (it shows the run it was started on until a visitor uses it).

    Without ``token`` a random one is made; an empty token is refused (:class:`~cxlab.errors.ParameterError`).
    The server runs in this process, so stopping it stops voila and all its kernels.
    """
    from .. import i18n

    token = token if token is not None else secrets.token_urlsafe(16)
    args = _voila_args(port=port, token=token, apps="notebooks/apps", preheat=preheat)
    chosen = i18n.pick_locale(locale or os.environ.get(i18n.ENV, "").strip().lower() or _runs_locale(outputs))
    os.environ.update({i18n.ENV: chosen, "CXLAB_OUTPUTS": str(resolve(outputs)), "CXLAB_HOME": str(project_root())})
    print(f"Pages: http://127.0.0.1:{port}/?token={token}")
    print(f"  live apps, to explore: http://127.0.0.1:{port}/voila/tree?token={token}")
    sys.stdout.flush()
    return run_page_server(args)


def _runs_locale(outputs: str | Path) -> str:
    """The language most of the newest runs were made in (``en`` without runs)."""
    from collections import Counter

    from .outputs import latest_run

    root = resolve(outputs)
    seen = Counter()
    for job in (p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else ():
        record = latest_run(job, outputs=root) if job != "pages" else None
        if record is not None:
            seen[(record.get("parameters") or {}).get("locale") or "en"] += 1
    return seen.most_common(1)[0][0] if seen else "en"


if __name__ == "__main__":  # the process of serve_command
    sys.exit(run_page_server(sys.argv[1:]))
