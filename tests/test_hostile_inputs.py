"""Users' own data: every hostile input becomes one clear cxlab error, never a raw exception.

Each message names the file, table or column (and the rows as the user numbers them: the
CSV line counting the header as line 1, the Excel row) and says what to do.
"""

from __future__ import annotations

import re
import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxlab
from cxlab import DataValidationError
from cxlab._checks import closest
from cxlab.data import BLANK, load, read_source
from cxlab.reports import cli


def _csv(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# 1-6: files that are not what they should be ------------------------------------------


def test_empty_csv_is_a_clear_error(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(b"")
    with pytest.raises(DataValidationError, match=r"survey.csv is empty \(0 bytes\)"):
        cxlab.load_responses(path)
    _csv(path, "\n\n")
    with pytest.raises(DataValidationError, match="survey.csv: the file has no header line"):
        cxlab.load_responses(path)


def test_header_only_file_says_it_has_no_rows(tmp_path):
    path = _csv(tmp_path / "survey.csv", "response_id,nps,channel\n")
    with pytest.raises(DataValidationError, match=r"survey.csv has no rows \(columns: \['response_id', 'nps', 'channel'\]\)"):
        cxlab.load_responses(path)
    with pytest.raises(DataValidationError, match="has no rows"):
        cxlab.scores(path)
    assert read_source(path).empty  # the raw reader reads it; the loaders refuse it


def test_missing_sheet_lists_the_sheets(tmp_path):
    path = tmp_path / "crm.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"customer_id": [1]}).to_excel(xl, sheet_name="客户", index=False)
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="说明", index=False)
    with pytest.raises(DataValidationError, match=r"crm.xlsx has no sheet 'Sheet1'\. Sheets there: \['客户', '说明'\]"):
        cxlab.load_customers(path, sheet="Sheet1")
    with pytest.raises(DataValidationError, match="no sheet number 5"):
        cxlab.load_customers(path, sheet=5)
    assert len(cxlab.load_customers(path, sheet="客户")) == 1


def test_csv_saved_as_xlsx(tmp_path):
    path = _csv(tmp_path / "survey.xlsx", "nps,channel\n9,APP\n")
    with pytest.raises(DataValidationError, match="survey.xlsx is not a readable Excel workbook.*rename it to .csv"):
        cxlab.load_responses(path)


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "survey.parquet"
    pd.DataFrame({"nps": [9, 3]}).to_parquet(path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataValidationError, match="survey.parquet is not a readable parquet file"):
        cxlab.load_responses(path)
    with pytest.raises(DataValidationError, match="survey.parquet"):
        cxlab.scores(path)


def test_a_folder_where_a_file_is_expected(tmp_path):
    (tmp_path / "survey.csv").mkdir()
    with pytest.raises(DataValidationError, match="survey.csv is a folder, not a file"):
        cxlab.load_responses(tmp_path / "survey.csv")
    with pytest.raises(DataValidationError, match="is a folder, not a file"):
        cxlab.scores(tmp_path / "survey.csv")


# 7-9: databases ---------------------------------------------------------------------------


def test_sqlite_missing_table_and_missing_file_create_nothing(tmp_path):
    db = tmp_path / "cx.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE survey (nps INTEGER)")
        con.execute("INSERT INTO survey VALUES (9)")
    con.close()
    with pytest.raises(DataValidationError, match=r"has no table 'surveys' \(did you mean 'survey'\?\)\. Tables there: \['survey'\]"):
        cxlab.load_responses(f"sqlite:///{db}", table="surveys")
    assert cxlab.load_responses(f"sqlite:///{db}", table="survey")["nps"].tolist() == [9]
    missing = tmp_path / "nowhere.sqlite"
    with pytest.raises(DataValidationError, match="No SQLite database at .*nowhere.sqlite"):
        cxlab.load_responses(f"sqlite:///{missing}", table="survey")
    with pytest.raises(DataValidationError, match="No SQLite database"):
        cxlab.load_responses(f"sqlite:///{missing}", query="SELECT 1 AS nps")
    assert not missing.exists()  # never created as a side effect
    with pytest.raises(DataValidationError, match="failed: .*no such table"):
        cxlab.load_responses(f"sqlite:///{db}", query="SELECT * FROM nope")


def test_duckdb_query_over_a_missing_file(tmp_path):
    query = f"SELECT * FROM read_parquet('{tmp_path / 'gone.parquet'}')"
    with pytest.raises(DataValidationError, match="The DuckDB query failed: .*gone.parquet.*Check that every file"):
        cxlab.load_responses(query)
    with pytest.raises(DataValidationError, match="DuckDB could not read"):
        cxlab.scores(query)
    with pytest.raises(DataValidationError, match="No file at .*gone.parquet"):
        cxlab.scores(tmp_path / "gone.parquet")


def test_duckdb_file_without_the_table(tmp_path):
    db = tmp_path / "cx.duckdb"
    with duckdb.connect(str(db)) as con:
        con.sql("CREATE TABLE survey AS SELECT 9 AS nps")
    with pytest.raises(DataValidationError, match=r"cx.duckdb has no table 'responses'\. Tables there: \['survey'\]"):
        cxlab.load_responses(db, table="responses")
    with pytest.raises(DataValidationError, match="The query on .*cx.duckdb failed"):
        cxlab.load_responses(db, query="SELECT * FROM responses")


# 10-12: columns ---------------------------------------------------------------------------


def test_mixed_time_zones_name_the_rows(tmp_path):
    path = _csv(tmp_path / "survey.csv", "nps,submitted_at\n9,2026-03-30 14:05+08:00\n"
                "8,2026-03-30T06:05Z\n7,2026-03-30 14:05\n")
    with pytest.raises(DataValidationError,
                       match=r"column 'submitted_at': 1 value\(s\) without a time zone, while 2 other\(s\) have one "
                             r"\(e.g. \['2026-03-30 14:05'\]\) in line 4; give every value a zone"):
        cxlab.load_responses(path)


def test_zones_all_given_are_read_as_instants_in_the_main_zone(tmp_path):
    path = _csv(tmp_path / "survey.csv", "nps,submitted_at\n9,2026-03-30 14:05+08:00\n"
                "8,2026-03-30T06:05Z\n7,2026-03-31 09:00:00+0800\n")
    at = cxlab.load_responses(path)["submitted_at"]
    assert str(at.dt.tz) == "UTC+08:00"
    assert at.iloc[0] == at.iloc[1]  # the same instant, shown in the zone most values carry
    assert at.dt.strftime("%Y-%m-%d %H:%M").tolist() == ["2026-03-30 14:05", "2026-03-30 14:05", "2026-03-31 09:00"]


def test_a_column_named_twice_in_the_header(tmp_path):
    path = _csv(tmp_path / "survey.csv", "response_id,nps,nps\n1,9,3\n")
    with pytest.raises(DataValidationError, match=r"survey.csv: the header names a column more than once \('nps' is columns 2, 3\)"):
        cxlab.load_responses(path)
    xlsx = tmp_path / "survey.xlsx"
    pd.DataFrame([[1, 9, 3]], columns=["response_id", "nps", "nps "]).to_excel(xlsx, index=False)
    with pytest.raises(DataValidationError, match=r"'nps' is Excel columns 2, 3"):
        cxlab.load_responses(xlsx)
    frame = pd.DataFrame([[9, 3]], columns=["nps", " nps"])
    with pytest.raises(DataValidationError, match=r"the DataFrame has the column\(s\) \['nps'\] more than once"):
        cxlab.load_responses(frame)


def test_mapping_onto_a_name_the_file_already_has(tmp_path):
    path = _csv(tmp_path / "survey.csv", "推荐意愿,nps\n9,3\n")
    with pytest.raises(DataValidationError, match="maps '推荐意愿' onto 'nps', but the data already has a column 'nps'"):
        cxlab.load_responses(path, columns={"推荐意愿": "nps"})
    with pytest.raises(DataValidationError, match=r"maps \['推荐意愿', 'nps'\] all onto 'nps'"):
        cxlab.load_responses(path, columns={"推荐意愿": "nps", "nps": "nps"})
    swapped = cxlab.load_responses(path, columns={"推荐意愿": "nps", "nps": "nps_old"})
    assert swapped["nps"].tolist() == [9]


# 13: cxlab.scores on a file reads and validates as the loaders do ----------------------------


def test_scores_of_a_csv_validate_like_the_loader(tmp_path):
    path = _csv(tmp_path / "survey.csv", "nps,channel\n9,APP\n10分,门店\n3,APP\n")
    with pytest.raises(DataValidationError) as by_loader:
        cxlab.load_responses(path)
    with pytest.raises(DataValidationError) as by_scores:
        cxlab.scores(path, metrics=["nps"])
    assert str(by_scores.value) == str(by_loader.value)
    assert "column 'nps': 1 value(s) that are not numbers (e.g. ['10分']) in line 3" in str(by_scores.value)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_scores_of_a_csv_equal_scores_of_the_loaded_frame(tmp_path, encoding):
    survey = cxlab.sample.responses(400, seed=3)[["response_id", "nps", "csat", "channel"]]
    path = tmp_path / "survey.csv"
    survey.to_csv(path, index=False, encoding=encoding)
    direct = cxlab.scores(path, metrics=["nps", "csat"], by="channel")
    loaded = cxlab.scores(cxlab.load_responses(path), metrics=["nps", "csat"], by="channel")
    pd.testing.assert_frame_equal(direct, loaded)


def test_parquet_push_down_gives_the_loaders_scores_and_errors(tmp_path):
    survey = cxlab.sample.responses(400, seed=4)[["nps", "csat", "channel"]]
    survey["channel"] = survey["channel"].astype(object)
    survey.loc[survey.index[:7], "channel"] = None
    path = tmp_path / "survey.parquet"
    survey.to_parquet(path)
    pushed = cxlab.scores(path, metrics=["nps", "csat"], by="channel")
    loaded = cxlab.scores(cxlab.load_responses(path), metrics=["nps", "csat"], by="channel")
    key = ["channel", "metric"]
    a = pushed.assign(channel=pushed.channel.astype(str)).sort_values(key).reset_index(drop=True)
    b = loaded.assign(channel=loaded.channel.astype(str)).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    assert BLANK in set(a.channel)

    for bad in ({"nps": [9, 11, 3, 12.0, 4], "csat": [5, 4, 3, 2, 1]},
                {"nps": [9, 4.5, 3, 7, 4], "csat": [5, 4, 3, 2, 1]},
                {"nps": ["9", "10分", "3", "x", None], "csat": [5, 4, 9, 2, 1]}):
        pd.DataFrame(bad).to_parquet(path)
        with pytest.raises(DataValidationError) as by_loader:
            cxlab.load_responses(path)
        with pytest.raises(DataValidationError) as by_engine:
            cxlab.scores(path, metrics=["nps", "csat"])
        assert str(by_engine.value) == str(by_loader.value)


# 14: every problem at once, rows as the user numbers them ----------------------------------


def test_every_problem_of_a_file_at_once_with_lines(tmp_path):
    path = _csv(tmp_path / "survey.csv", "response_id,nps,csat,responded,submitted_at\n"
                "1,9,5,yes,2026-03-30\n2,11,4,no,2026-03-31\n2,3,x,maybe,soon\n4,7,4.5,yes,2026-04-01\n")
    with pytest.raises(DataValidationError) as err:
        cxlab.load_responses(path)
    text = str(err.value)
    assert text.startswith(f"{path} failed validation:")
    assert "column 'nps': 1 value(s) outside 0-10 (e.g. ['11']) in line 3" in text
    assert "column 'csat': 1 value(s) that are not numbers (e.g. ['x']) in line 4" in text
    assert "column 'responded': 1 value(s) that are not yes/no (e.g. ['maybe']) in line 4" in text
    assert "column 'submitted_at': 1 value(s) that are not dates or times (e.g. ['soon']) in line 4" in text
    assert "column 'response_id': 2 row(s) with a duplicated id (e.g. ['2']) in lines 3, 4" in text


def test_excel_problems_name_excel_rows(tmp_path):
    path = tmp_path / "survey.xlsx"
    pd.DataFrame({"nps": [9, 3, 15]}).to_excel(path, index=False)
    with pytest.raises(DataValidationError, match=r"column 'nps': 1 value\(s\) outside 0-10 \(e.g. \['15'\]\) in Excel row 4"):
        cxlab.load_responses(path)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(3, 40), data=st.data())
def test_any_bad_cells_are_reported_by_their_csv_line(tmp_path_factory, n, data):
    bad_nps = sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=5)))
    bad_csat = sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=5)))
    nps = [str(i % 11) for i in range(n)]
    csat = [str(1 + i % 5) for i in range(n)]
    for i in bad_nps:
        nps[i] = data.draw(st.sampled_from(["11", "-1", "10分", "ten", "4.5"]))
    for i in bad_csat:
        csat[i] = data.draw(st.sampled_from(["0", "6", "五", "3.5"]))
    path = tmp_path_factory.mktemp("h") / "survey.csv"
    path.write_text("nps,csat\n" + "".join(f"{a},{b}\n" for a, b in zip(nps, csat)), encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        cxlab.load_responses(path)
    text = str(err.value)
    for column, bad in (("nps", bad_nps), ("csat", bad_csat)):
        lines = [line for line in text.splitlines() if line.startswith(f"  - column '{column}'")]
        # each bad cell is in exactly one problem of its column, by its CSV line (header = line 1)
        reported = sorted(int(x) for line in lines
                          for x in re.search(r" in lines? ([\d, ]+);", line).group(1).split(", "))
        assert reported == [i + 2 for i in bad]
        assert sum(int(re.search(r": (\d+) ", line).group(1)) for line in lines) == len(bad)


# 15: blank groups ----------------------------------------------------------------------------


def test_blank_segment_values_are_one_labelled_group(tmp_path):
    path = _csv(tmp_path / "survey.csv", "nps,channel\n9,APP\n3,\n10,  \n7,APP\n")
    for source in (path, cxlab.load_responses(path)):
        table = cxlab.scores(source, metrics=["nps"], by="channel")
        assert table["channel"].astype(str).tolist() == ["APP", BLANK]
        assert table["channel"].notna().all() and table["n"].tolist() == [2, 2]
    seg = cxlab.segment_scores(path, by=["channel"], metrics=["nps"])
    assert BLANK in set(seg["level"]) and not seg["level"].astype(str).str.contains("<NA>|nan").any()
    assert BLANK == "(blank)"
    loaded = cxlab.load_responses(path, order={"channel": ["APP"]})
    assert loaded["channel"].tolist() == ["APP", BLANK, BLANK, "APP"]  # labelled in the data layer
    assert loaded["channel"].cat.categories.tolist() == ["APP", BLANK]  # the blank group last
    trial = _csv(tmp_path / "trial.csv", "user_id,variant,nps\n1,A,9\n2,,3\n")
    with pytest.raises(DataValidationError, match=r"column 'variant': 1 blank value\(s\) in line 3"):
        cxlab.load_assignments(trial)  # a blank arm is not a group: it is refused


# 16: suggestions only for close names ---------------------------------------------------------


def test_did_you_mean_only_for_a_close_name():
    assert closest("nsp", ["nps", "csat"]) == "nps"
    assert closest("submited_at", ["submitted_at", "response_id"]) == "submitted_at"
    assert closest("nps", ["nps_score"]) == "nps_score"
    assert closest("revenue", ["nps", "region", "csat", "channel"]) is None
    assert closest("x", ["y"]) is None and closest("ces", ["nps"]) is None
    with pytest.raises(DataValidationError) as err:
        cxlab.load_responses(pd.DataFrame({"revenue": [1]}))
    assert "did you mean" not in str(err.value)


# 17: the command line ---------------------------------------------------------------------------


def test_cli_scores_maps_columns_and_names_the_file(tmp_path, capsys):
    path = _csv(tmp_path / "问卷.csv", "推荐意愿,渠道\n9,APP\n3,门店\n10,APP\n")
    assert cli.main(["scores", str(path), "--column", "推荐意愿=nps", "--column", "渠道=channel"]) == 0
    assert "NPS" in capsys.readouterr().out
    bad = _csv(tmp_path / "bad.csv", "推荐意愿\n9\n10分\n")
    assert cli.main(["scores", str(bad), "--column", "推荐意愿=nps"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cxlab scores: ") and "bad.csv" in err
    assert "line 3" in err and "Traceback" not in err
    assert cli.main(["scores", str(bad), "--column", "nope"]) == 2
    assert "--column takes YOUR_NAME=cxlab_name" in capsys.readouterr().err
    assert cli.main(["scores", str(tmp_path / "gone.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gone.csv" in err


def test_cli_scores_on_a_folder_maps_columns(tmp_path, capsys):
    _csv(tmp_path / "responses.csv", "推荐意愿\n9\n3\n")
    assert cli.main(["scores", str(tmp_path), "--column", "推荐意愿=nps"]) == 0
    assert "NPS" in capsys.readouterr().out


def test_load_guesses_the_kind_or_says_what_is_missing(tmp_path):
    assert load(pd.DataFrame({"ticket_id": [1], "created_at": ["2026-01-01"]}))[0] == "tickets"
    assert load(pd.DataFrame({"user_id": [1], "variant": ["A"]}))[0] == "assignments"
    with pytest.raises(DataValidationError, match="cannot tell what table this is"):
        load(pd.DataFrame({"x": np.arange(3)}))


def test_ragged_csv_and_missing_driver_are_clear(tmp_path):
    path = _csv(tmp_path / "survey.csv", "nps,channel\n9,APP\n10,APP,extra\n")
    with pytest.raises(DataValidationError, match="survey.csv: the file is not a well-formed CSV.*line 3"):
        cxlab.load_responses(path)
    import importlib.util

    if importlib.util.find_spec("psycopg") is not None:
        pytest.skip("a PostgreSQL driver is installed here")
    with pytest.raises(cxlab.errors.MissingDependencyError, match=r"postgresql://u:\*\*\*@localhost:1/db needs the database driver") as err:
        cxlab.load_responses("postgresql://u:secret@localhost:1/db", table="t")
    assert "secret" not in str(err.value)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 10)),
                               st.sampled_from(["APP", "门店", " APP ", "", None])), min_size=1, max_size=30))
def test_any_parquet_gives_the_same_scores_pushed_down_or_loaded(tmp_path_factory, rows):
    frame = pd.DataFrame(rows, columns=["nps", "channel"]).astype({"nps": "Float64"})
    path = tmp_path_factory.mktemp("p") / "survey.parquet"
    frame.to_parquet(path)
    pushed = cxlab.scores(path, metrics=["nps"], by="channel")
    loaded = cxlab.scores(cxlab.load_responses(path), metrics=["nps"], by="channel")
    a = pushed.assign(channel=pushed.channel.astype(str)).sort_values("channel").reset_index(drop=True)
    b = loaded.assign(channel=loaded.channel.astype(str)).sort_values("channel").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    assert set(a.channel) <= {"APP", "门店", BLANK}


def test_a_period_without_rows_says_so(tmp_path):
    path = _csv(tmp_path / "survey.csv", "nps,submitted_at\n9,2026-03-30\n3,2026-04-02\n")
    survey = cxlab.load_responses(path)
    with pytest.raises(DataValidationError, match=r"No row of .*survey.csv falls in 2026-07-01 to 2026-10-01 "
                                                  r"\(column 'submitted_at', end exclusive\): its 2 rows run from 2026-03-30"):
        cxlab.data.in_period(survey, time="submitted_at", start="2026-07-01", end="2026-10-01")


def test_lines_count_quoted_line_breaks_and_blank_lines(tmp_path):
    path = _csv(tmp_path / "survey.csv", 'nps,comment\n9,"two\nlines"\n\n11,x\n3,y\n12,z\n')
    with pytest.raises(DataValidationError, match=r"outside 0-10 \(e.g. \['11', '12'\]\) in lines 5, 7;"):
        cxlab.load_responses(path)


def test_utf16_export_and_full_width_digits(tmp_path):
    path = tmp_path / "survey.csv"
    pd.DataFrame({"nps": ["９", "3"], "渠道": ["APP", "门店"]}).to_csv(path, index=False, encoding="utf-16")
    loaded = cxlab.load_responses(path, columns={"渠道": "channel"})
    assert loaded["nps"].tolist() == [9, 3] and loaded["channel"].tolist() == ["APP", "门店"]


def test_text_scores_in_parquet_read_alike_on_both_paths(tmp_path):
    path = tmp_path / "survey.parquet"
    pd.DataFrame({"nps": ["９", " 3 ", "", None, "10"], "csat": ["5", "４", "1", "2", "3"]}).to_parquet(path)
    pushed = cxlab.scores(path, metrics=["nps", "csat"])
    loaded = cxlab.scores(cxlab.load_responses(path), metrics=["nps", "csat"])
    pd.testing.assert_frame_equal(pushed, loaded)
    assert pushed["n"].tolist() == [3, 5] and pushed["n_missing"].tolist() == [2, 0]
