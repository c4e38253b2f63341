"""Packaging: environment.yml lists what pyproject.toml declares; public API is tidy."""

import re
import tomllib
from pathlib import Path

import yaml

import cxlab

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's
CONDA_NAMES = {"duckdb": "python-duckdb"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].strip().lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    declared = [*project["dependencies"], *extras["notebooks"], *extras["sql"], *extras["text"], *extras["weights"],
                *extras["ibis"], *extras["spark"], *extras["test"]]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_part = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    listed += [p for p in pip_part if not p.startswith("-e")]  # packages conda-forge does not carry
    conda = {_name(d): d.split("#")[0].strip() for d in listed if _name(d) not in {"python", "pip"}}
    for requirement in declared:
        name = CONDA_NAMES.get(_name(requirement), _name(requirement))
        assert name in conda, f"{name} is in pyproject.toml but not environment.yml"
        bounds = requirement[len(_name(requirement)):].strip()
        assert conda[name].endswith(bounds), f"{name}: {conda[name]!r} vs pyproject {bounds!r}"
    pyproject_names = {CONDA_NAMES.get(_name(r), _name(r)) for r in declared}
    assert set(conda) == pyproject_names, set(conda) ^ pyproject_names
    assert any(p.startswith("-e .") for p in pip_part)


def test_every_public_name_exists_and_modules_declare_all():
    for name in cxlab.__all__:
        assert hasattr(cxlab, name), name
    for module in (cxlab.metrics, cxlab.aggregate, cxlab.data, cxlab.sample, cxlab.tables):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_pingouin_is_never_imported_by_cxlab():
    # pingouin is GPL-3; cxlab (BSD-3) keeps it an optional extra that its modules do not import.
    for path in (ROOT / "cxlab").rglob("*.py"):
        assert "import pingouin" not in path.read_text(encoding="utf-8"), path


def test_page_kernels_import_neither_scipy_nor_pydantic(tmp_path):
    # A voila page runs in a fresh kernel per visitor, so its imports are paid on every page open:
    # scipy (via the metric registry) and pydantic (via parameter paths) cost about 1 s of CPU.
    import subprocess
    import sys

    code = ("import sys, cxlab.reports.pages as p, cxlab.tables as t; "
            "[f(outputs=sys.argv[1]) for f in (p.overview_app, p.segments_app, p.experiment_app, p.comments_app)]; "
            "t.format_scores; print(sorted(m for m in ('scipy', 'pydantic', 'statsmodels', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


#: cxlab.reports' layers: a module imports only modules of a lower rank, at module level or in a function.
REPORT_LAYERS = {"catalog": 0, "cron": 0, "blocks": 0, "inputs": 1, "outputs": 1, "params": 2, "server": 2, "views": 2,
                 "changes_view": 3, "pages": 4, "static": 4, "runner": 5, "schedule": 6, "orchestrators": 6, "cli": 7}


def test_reports_modules_import_only_downwards():
    import ast

    folder = ROOT / "cxlab" / "reports"
    assert {p.stem for p in folder.glob("*.py")} - {"__init__"} == set(REPORT_LAYERS)
    for name, rank in REPORT_LAYERS.items():
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:  # from .x import ... (anywhere in the file)
                targets = [node.module] if node.module else [a.name for a in node.names]
                for target in targets:
                    assert REPORT_LAYERS[target] < rank, f"cxlab.reports.{name} imports .{target}, a layer above or beside it"
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module is None:
                assert not {a.name for a in node.names} & set(REPORT_LAYERS), f"{name} reaches reports through cxlab"


def test_old_paths_of_the_report_modules_still_work():
    from cxlab.reports import outputs, pages, params, runner, schedule

    assert (cxlab.params, cxlab.pages, cxlab.runner, cxlab.schedule, cxlab.outputs) == (params, pages, runner, schedule,
                                                                                       outputs)
    assert cxlab.pages.VOILA_SETTINGS["VoilaConfiguration.strip_sources"] is True
    assert callable(cxlab.outputs.read_run_table) and not hasattr(cxlab.outputs, "read_table")
