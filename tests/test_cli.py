"""The command line parses and calls; errors become a message and exit code 2."""

import pytest

from cxlab.reports import cli


def test_sample_then_scores(tmp_path, capsys):
    assert cli.main(["sample", "--out", str(tmp_path), "--n", "2000", "--seed", "1", "--locale", "en"]) == 0
    assert (tmp_path / "responses.parquet").exists()
    assert cli.main(["scores", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Survey scores by journey stage" in out and "review" in out
    assert "First-contact resolution" in out and "none dropped" in out


def test_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["scores", str(tmp_path / "nope")]) == 2
    assert "Run `cxlab sample" in capsys.readouterr().err


def test_bad_arguments_exit_by_argparse():
    with pytest.raises(SystemExit):
        cli.main(["sample", "--locale", "fr"])


def test_the_command_is_the_reports_cli_and_runs_as_a_module():
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["cxlab"] == "cxlab.reports.cli:main"
    out = subprocess.run([sys.executable, "-m", "cxlab.reports.cli", "--version"], capture_output=True, text=True,
                         check=True)
    assert out.stdout.startswith("cxlab ")
