"""The ``cxlab`` command: parses arguments and calls the package, nothing more.

Run it as ``cxlab ...`` or ``python -m cxlab.reports.cli ...``. Each command imports what it
calls when it runs (all below this module), so ``cxlab --help`` starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from .. import __version__
from ..errors import CxlabError, ParameterError, ReportError

__all__ = ["main"]


def _cmd_sample(args: argparse.Namespace) -> int:
    from ..data import sample

    paths = sample.write(args.out, args.n, seed=args.seed, locale=args.locale, fmt=args.format)
    for name, path in paths.items():
        print(f"{name:>10}: {path}")
    return 0


def _cmd_scores(args: argparse.Namespace) -> int:
    """Print every score of a folder or one file; a data error is one line on stderr, exit 2."""
    from pathlib import Path

    from .. import data, tables

    mapping = {}
    for pair in args.column or []:
        mine, sep, ours = pair.partition("=")
        if not (sep and mine.strip() and ours.strip()):
            print(f"cxlab scores: --column takes YOUR_NAME=cxlab_name (e.g. 推荐意愿=nps); got {pair!r}.",
                  file=sys.stderr)
            return 2
        mapping[mine.strip()] = ours.strip()
    try:
        target = Path(args.data)
        if target.is_dir() or not (target.exists() or target.suffix):  # a folder, or meant as one
            frames = data.load_folder(args.data, columns=mapping)
        else:
            kind, frame = data.load(args.data, columns=mapping)
            frames = {"experiment" if kind == "assignments" else kind: frame}
        for frame in frames.values():
            print(data.ExclusionReport.from_frame(frame))
        overview = tables.overview(frames)
        if not overview:  # a file with some of the columns: whichever metrics it has
            from ..metrics import METRICS, scores

            for name, frame in frames.items():
                have = [k for k, m in METRICS.items() if m.column in frame.columns and not m.needs_rows]
                if have:
                    overview[f"Scores of {args.data}" + (f" ({name})" if len(frames) > 1 else "")] = \
                        scores(frame, metrics=have)
    except (CxlabError, ValueError, OSError) as err:  # one clean line, never a traceback
        lines = [line.strip(" -") for line in str(err).splitlines() if line.strip()] or [type(err).__name__]
        text = (lines[0] + " " + "; ".join(lines[1:])).strip()
        if str(args.data) not in text:
            text = f"{args.data}: {text}"
        print(f"cxlab scores: {text}", file=sys.stderr)
        return 2
    if not overview:
        print(f"No standard score table fits the columns of {args.data}.")
    for title, table in overview.items():
        print(f"\n== {title} ==")
        with pd.option_context("display.width", 200, "display.max_columns", 20,
                               "display.unicode.east_asian_width", True):
            print(tables.format_scores(table).to_string(index=False))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .params import load_schedule
    from .runner import run_all, run_job

    progress = sys.stderr.isatty() if args.progress is None else args.progress
    if args.all:
        results = run_all(schedule=args.schedule, outputs=args.outputs, progress=progress)
        failed = [name for name, r in results if isinstance(r, Exception)]
        print(f"{len(results) - len(failed)} of {len(results)} jobs succeeded"
              + (f"; failed: {', '.join(failed)}" if failed else ""))
        return 1 if failed else 0
    if not args.jobs:
        print(f"cxlab run: name a job or use --all. Jobs: {', '.join(load_schedule(args.schedule).jobs)}",
              file=sys.stderr)
        return 2
    for name in args.jobs:
        result = run_job(name, schedule=args.schedule, outputs=args.outputs, progress=progress)
        print(f"{name}: {result.status} in {result.record['duration_s']:.1f} s -> "
              f"{result.directory / 'report.html'}")
    return 0


def _cmd_runs(args: argparse.Namespace) -> int:
    from .._paths import resolve
    from .outputs import close_interrupted, list_runs
    from .params import find_job, load_schedule

    outputs = resolve(args.outputs)
    if args.job:  # checked like `cxlab run`; a job that left the schedule but has runs is fine
        had_runs = tuple(p.name for p in outputs.glob("*") if p.is_dir() and any(p.glob("*/run.json")))
        find_job(load_schedule(args.schedule), args.job, where=resolve(args.schedule), also=had_runs)
    for job_dir in ([outputs / args.job] if args.job else sorted(p for p in outputs.glob("*") if p.is_dir())):
        close_interrupted(job_dir)
    runs = list_runs(outputs, args.job)
    if runs.empty:
        print("No runs yet." + (f" (job {args.job!r})" if args.job else ""))
        return 0
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        print(runs.head(args.limit).to_string(index=False))
    return 0


def _cmd_fonts(args: argparse.Namespace) -> int:
    from .. import plots

    name = plots.cjk_font()
    if name is None and plots.cjk_font_files():
        name = plots.use_cjk_font()  # installed after matplotlib cached its font list: rebuilt
    if name is None:
        print(f"warning: {plots.font_advice()}", file=sys.stderr)
    else:
        print(f"Chinese chart labels use the font {name!r}.")
    return 0


def _cmd_schedule(args: argparse.Namespace) -> int:
    import logging

    from .params import load_schedule
    from .schedule import build_scheduler, crontab_lines

    schedule = load_schedule(args.schedule)
    if args.crontab:
        print("\n".join(crontab_lines(schedule, schedule_path=args.schedule, outputs=args.outputs)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    scheduler = build_scheduler(schedule, schedule_path=args.schedule, outputs=args.outputs)
    for job in scheduler.get_jobs():
        print(f"{job.name}: {job.trigger}")
    print("Running the schedule; stop with Ctrl+C.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .server import serve
    from .static import build_stale

    try:
        built = build_stale(outputs=args.outputs, schedule=args.schedule)
    except ParameterError as err:  # no schedule to read the jobs from: the live apps are still served
        print(f"cxlab: no pages built ({err})", file=sys.stderr)
        built = []
    if built:
        print(f"Built {len(built)} pages that were missing or older than their runs.", file=sys.stderr)
    return serve(port=args.port, token=args.token, preheat=args.preheat, locale=args.locale, outputs=args.outputs)


def _cmd_pages(args: argparse.Namespace) -> int:
    from .static import build_all

    for path in build_all(outputs=args.outputs, schedule=args.schedule):
        print(path)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cxlab", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cxlab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write seeded sample data with planted effects")
    p.add_argument("--out", default="data/sample", help="folder to write (default: data/sample)")
    p.add_argument("--n", type=int, default=20_000, help="survey invitations (default: 20000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--locale", choices=["zh", "en"], default="zh", help="label language")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("scores", help="print every metric with its interval for a data folder or file")
    p.add_argument("data", nargs="?", default="data/sample",
                   help="folder with responses/tickets/customers (.parquet or .csv), or one "
                        "file of any kind cxlab reads")
    p.add_argument("--column", action="append", metavar="YOURS=CXLAB",
                   help="map one of your column names to cxlab's, e.g. --column 推荐意愿=nps "
                        "(repeat for each column)")
    p.set_defaults(func=_cmd_scores)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--schedule", default="params/schedule.yaml", help="the jobs file")
        p.add_argument("--outputs", default="outputs", help="where runs are written")

    p = sub.add_parser("run", help="run report jobs now (papermill), recording each run under outputs/")
    p.add_argument("jobs", nargs="*", help="job names from the schedule")
    p.add_argument("--all", action="store_true", help="run every job in turn")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: when on a terminal)")
    common(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("runs", help="list past runs with status and duration")
    p.add_argument("job", nargs="?", help="only this job")
    p.add_argument("--limit", type=int, default=30)
    common(p)
    p.set_defaults(func=_cmd_runs)

    p = sub.add_parser("fonts", help="check for a font that draws Chinese chart labels (says what to install)")
    p.set_defaults(func=_cmd_fonts)

    p = sub.add_parser("schedule", help="run the jobs on their cron schedules (or print crontab lines)")
    p.add_argument("--crontab", action="store_true", help="print crontab lines instead of running")
    common(p)
    p.set_defaults(func=_cmd_schedule)

    p = sub.add_parser("serve", help="serve the read-only stakeholder pages (voila, loopback, token)")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--token", default=None, help="access token (a random one by default; an empty one is refused)")
    p.add_argument("--preheat", action=argparse.BooleanOptionalAction, default=False,
                   help="keep a warm kernel per live app (it shows the run it started on until used)")
    p.add_argument("--locale", choices=["zh", "en"], default=None,
                   help="the language / leads to (default: $CXLAB_LOCALE, else that of the newest runs)")
    common(p)
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("pages", help="build the stakeholder pages from each job's latest good run (runs do this)")
    common(p)
    p.set_defaults(func=_cmd_pages)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cxlab`` command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except CxlabError as err:
        print(f"cxlab: {err}", file=sys.stderr)
        return 1 if isinstance(err, ReportError) else 2
    except OSError as err:  # a folder or disk cxlab could not write: a sentence, not a traceback
        where = f" ({err.filename})" if err.filename else ""
        print(f"cxlab: could not read or write a file{where}: {err.strerror or err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
