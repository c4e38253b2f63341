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


def test_runs_checks_the_job_name_like_run(tmp_path, capsys):
    assert cli.main(["runs", "scores_weekl", "--outputs", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "No job 'scores_weekl'" in err and "did you mean 'scores_weekly'?" in err
    assert cli.main(["runs", "scores_weekly", "--outputs", str(tmp_path)]) == 0
    assert "No runs yet" in capsys.readouterr().out


def test_runs_accepts_a_job_that_left_the_schedule_but_has_runs(tmp_path, capsys):
    import json

    run = tmp_path / "old_job" / "20260101T000000Z-abcd"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"job": "old_job", "run_id": run.name, "status": "succeeded",
                                              "started_at": "2026-01-01T00:00:00+00:00", "duration_s": 1.0}))
    assert cli.main(["runs", "old_job", "--outputs", str(tmp_path)]) == 0
    assert run.name in capsys.readouterr().out


def test_fonts_warns_and_says_what_to_install_without_failing(monkeypatch, capsys):
    from cxlab import plots

    monkeypatch.setattr(plots, "cjk_font", lambda: None)
    monkeypatch.setattr(plots, "cjk_font_files", lambda: [])
    assert cli.main(["fonts"]) == 0
    assert "apt-get install fonts-noto-cjk" in capsys.readouterr().err


def test_make_demo_checks_for_a_cjk_font_first():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert demo[0].strip() == "$(VENV)/bin/cxlab fonts"
    assert "cxlab sample" in demo[1]
