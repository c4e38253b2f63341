import shutil
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

matplotlib.use("Agg")  # tests only; notebooks never force a backend

# Deterministic property tests, as scipy's conftest does.
settings.register_profile("cxlab", derandomize=True, database=None, deadline=None,
                          max_examples=60)
settings.load_profile("cxlab")


@pytest.fixture(scope="session")
def sample_data():
    import cxlab

    return cxlab.sample.dataset(20_000, seed=0)


@pytest.fixture(scope="session")
def sample_en():
    import cxlab

    return cxlab.sample.dataset(5_000, seed=3, locale="en")


#: The small report notebook the runner tests run (its `mode` parameter chooses how it behaves).
MODES_NOTEBOOK = Path(__file__).resolve().parent / "notebooks" / "modes.ipynb"


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """An outputs folder whose `modes` job has one good run, and that run."""
    from cxlab.reports.runner import run_report

    outputs = tmp_path_factory.mktemp("good") / "outputs"
    good = run_report(MODES_NOTEBOOK, {"mode": "ok"}, job="modes", outputs=outputs, timeout=60)
    assert good.ok and set(good.record["tables"]) == {"first", "second"}
    return outputs, good


@pytest.fixture()
def previous(good_run, tmp_path):
    """A fresh copy of an outputs folder whose job already has a good latest run."""
    source, good = good_run
    outputs = tmp_path / "outputs"
    shutil.copytree(source, outputs, symlinks=True)
    return outputs, good
