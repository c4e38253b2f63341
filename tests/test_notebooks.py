"""Notebook conventions (NOTEBOOKS.md) and the committed parameter files."""

import ast
import shutil
from pathlib import Path

import nbformat
import pytest

import cxlab
from cxlab.reports.params import REPORT_PARAMS, load_parameters, load_schedule

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name}: strip outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_first_with_annotated_literals(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and code[0] is tagged[0], "exactly one parameters cell, the first code cell"
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.AnnAssign), f"{path.name}: only annotated assignments: {ast.unparse(node)}"
        ast.literal_eval(node.value)  # literals only: injected values do not re-run derived ones
    for line in tagged[0].source.splitlines():
        assert "#" in line, f"{path.name}: every parameter has a help comment: {line!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_stay_thin(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert "matplotlib.use" not in cell.source, "never force a backend (plots vanish)"
        assert "os.chdir" not in cell.source and "__file__" not in cell.source
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While)), \
                f"{path.name}: logic with a def or a loop belongs in cxlab: {cell.source[:60]!r}"
        if "parameters" not in cell.metadata.get("tags", []):  # the parameters cell lists them all
            assert len(cell.source.splitlines()) <= 12, f"{path.name}: a long cell: {cell.source[:60]!r}"


@pytest.mark.parametrize("stem, model", list(REPORT_PARAMS.items()))
def test_parameter_models_match_the_notebooks(stem, model):
    from papermill import inspect_notebook

    declared = inspect_notebook(str(ROOT / "notebooks" / f"{stem}.ipynb"))
    assert set(declared) == set(model.model_fields), set(declared) ^ set(model.model_fields)
    for name, info in declared.items():
        default = ast.literal_eval(info["default"])
        assert default == model.model_fields[name].default, name


def test_every_scheduled_job_validates(tmp_path, monkeypatch):
    # A copy of the project whose data/sample exists, so data_dir checks pass.
    for folder in ("notebooks", "params"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    cxlab.sample.write(tmp_path / "data" / "sample", 1000, seed=0)
    monkeypatch.setenv("CXLAB_HOME", str(tmp_path))
    schedule = load_schedule("params/schedule.yaml")
    assert schedule.jobs
    for name, job in schedule.jobs.items():
        assert load_parameters(job.params, job.notebook) is not None, name
        assert job.cron is not None and job.timezone == "UTC"
