"""Loading and validation: encodings, sources, mapping, clear errors, counted exclusions."""

import sqlite3

import duckdb
import pandas as pd
import pytest

import cxlab
from cxlab import DataValidationError
from cxlab.data import ExclusionReport, detect_encoding, load_folder, read_source

STAGES = ["预约", "现场服务", "审核", "激活"]


@pytest.fixture(scope="module")
def raw():
    frame = cxlab.sample.responses(600, seed=5)
    return frame.rename(columns={"nps": "推荐意愿", "csat": "满意度"})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(raw, tmp_path, encoding):
    path = tmp_path / f"survey_{encoding}.csv"
    raw.to_csv(path, index=False, encoding=encoding)
    assert detect_encoding(path) == ("utf-8-sig" if encoding.startswith("utf") else "gb18030")
    loaded = cxlab.load_responses(path, columns={"推荐意愿": "nps", "满意度": "csat"},
                                  order={"journey_stage": STAGES})
    assert loaded["journey_stage"].cat.categories.tolist() == STAGES
    assert loaded["nps"].dtype == "Int8" and loaded["channel"].dtype == "category"
    assert set(loaded["channel"].dropna().unique()) == {"APP", "门店", "电话客服", "公众号"}
    pd.testing.assert_series_equal(loaded["nps"], raw["推荐意愿"].astype("Int8"), check_names=False)


def test_undecodable_csv_says_how_to_fix(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"nps\n\xff\xfe\xfa\x80\x81\n")
    with pytest.raises(DataValidationError, match="neither UTF-8 nor GBK/GB18030.*CSV UTF-8"):
        read_source(path)


def test_excel_parquet_duckdb_sqlite_and_query_sources(raw, tmp_path):
    mapping = {"推荐意愿": "nps", "满意度": "csat"}
    small = raw.head(50).copy()
    small["submitted_at"] = small["submitted_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    xlsx = tmp_path / "s.xlsx"
    small.to_excel(xlsx, index=False)
    pq = tmp_path / "s.parquet"
    small.to_parquet(pq)
    db = tmp_path / "s.duckdb"
    with duckdb.connect(str(db)) as con:
        con.register("df", small.astype({c: "object" for c in small.select_dtypes("category")}))
        con.sql("CREATE TABLE survey AS SELECT * FROM df")
    lite = tmp_path / "s.sqlite"
    with sqlite3.connect(lite) as con:
        small.astype({c: "object" for c in small.select_dtypes("category")}).astype(
            {"推荐意愿": "float", "满意度": "float", "ces": "float", "comment": "object"}).to_sql("survey", con)
    frames = [
        cxlab.load_responses(xlsx, columns=mapping),
        cxlab.load_responses(pq, columns=mapping),
        cxlab.load_responses(db, columns=mapping, table="survey"),
        cxlab.load_responses(f"sqlite:///{lite}", columns=mapping, query="SELECT * FROM survey"),
        cxlab.load_responses(f"SELECT * FROM read_parquet('{pq}')", columns=mapping),
    ]
    for f in frames:
        assert len(f) == 50
        assert f["nps"].tolist() == small["推荐意愿"].tolist()
        assert pd.api.types.is_datetime64_any_dtype(f["submitted_at"])


def test_missing_column_lists_columns_and_suggests():
    df = pd.DataFrame({"response_id": [1], "nps_score": [9]})
    with pytest.raises(DataValidationError, match="no column 'nps' \\(did you mean 'nps_score'\\?\\)"):
        cxlab.load_responses(df)
    with pytest.raises(DataValidationError, match="no column '推荐'.*names on the left"):
        cxlab.load_responses(df, columns={"推荐": "nps"})


def test_all_problems_are_reported_at_once_with_rows():
    df = pd.DataFrame({"response_id": [1, 2, 2, 4, 5], "nps": [9, 11, 3, -1, None],
                       "csat": [5, 4, 3, 9, 1]})
    with pytest.raises(DataValidationError) as err:
        cxlab.load_responses(df)
    text = str(err.value)
    assert "column 'nps': 2 value(s) outside 0-10 (e.g. ['11', '-1']" in text
    assert "rows 1, 3" in text
    assert "column 'csat': 1 value(s) outside 1-5" in text
    assert "column 'response_id': 2 row(s) with a duplicated id" in text


def test_non_numbers_fractions_flags_and_dates_are_named():
    with pytest.raises(DataValidationError, match="'nps' has 1 value\\(s\\) that are not numbers \\(rows 1, e.g. 'ten'\\)"):
        cxlab.load_responses(pd.DataFrame({"nps": ["9", "ten"]}))
    with pytest.raises(DataValidationError, match="not whole numbers"):
        cxlab.load_responses(pd.DataFrame({"csat": [4.5, 3]}))
    with pytest.raises(DataValidationError, match="'responded' must be yes/no.*\\['maybe'\\]"):
        cxlab.load_responses(pd.DataFrame({"nps": [9, 8], "responded": ["是", "maybe"]}))
    with pytest.raises(DataValidationError, match="'submitted_at' has 1 value\\(s\\) that are not dates"):
        cxlab.load_responses(pd.DataFrame({"nps": [9, 8], "submitted_at": ["2026-01-02", "soon"]}))


def test_chinese_yes_no_and_custom_scale():
    df = pd.DataFrame({"nps": [9, None], "csat": [7, 2], "responded": ["是", "否"]})
    loaded = cxlab.load_responses(df, scales={"csat": (1, 7)})
    assert loaded["responded"].tolist() == [True, False]
    report = ExclusionReport.from_frame(loaded)
    assert report.excluded == [{"column": "nps", "reason": "did not respond", "rows": 1}]
    with pytest.raises(ValueError, match="not a score of responses"):
        cxlab.load_responses(df, scales={"clv": (0, 1)})


def test_exclusions_are_counted_not_dropped(sample_data):
    loaded = cxlab.load_responses(sample_data.responses)
    assert len(loaded) == len(sample_data.responses)
    report = ExclusionReport.from_frame(loaded)
    frame = report.to_frame()
    blank_nps = frame.loc[frame.column == "nps", "rows"].sum()
    assert blank_nps == sample_data.responses["nps"].isna().sum()
    assert "none dropped" in str(report)
    table = cxlab.scores(loaded, metrics=["nps"])
    assert table["n"].iloc[0] + table["n_missing"].iloc[0] == len(loaded)


def test_other_tables_validate(sample_data):
    t = cxlab.load_tickets(sample_data.tickets)
    assert t["fcr"].dtype == "boolean"
    c = cxlab.load_customers(sample_data.customers)
    assert c["customer_id"].is_unique
    e = cxlab.load_assignments(sample_data.experiment)
    assert set(e["variant"].cat.categories) == {"A", "B", "C"}
    with pytest.raises(DataValidationError, match="no column 'ticket_id'"):
        cxlab.load_tickets(sample_data.tickets.drop(columns="ticket_id"))
    bad = sample_data.tickets.head(20).copy()
    bad.loc[bad.index[3], "first_response_min"] = -5
    with pytest.raises(DataValidationError, match="'first_response_min': 1 value\\(s\\) below 0"):
        cxlab.load_tickets(bad)


def test_missing_file_and_folder_messages(tmp_path):
    (tmp_path / "responses.csv").write_text("nps\n9\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="did you mean .*responses.csv"):
        read_source(tmp_path / "respones.csv")
    with pytest.raises(DataValidationError, match="Run `cxlab sample"):
        load_folder(tmp_path / "nowhere")
    assert set(load_folder(tmp_path)) == {"responses"}


def test_missing_extra_names_the_install_command(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # as if the extra were not installed
    with pytest.raises(cxlab.MissingDependencyError, match=r"pip install 'cxlab\[sql\]'"):
        read_source("postgresql://nobody@localhost/cx", table="t")
