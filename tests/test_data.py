"""Loading and validation: encodings, sources, mapping, clear errors, counted exclusions."""

import sqlite3

import duckdb
import pandas as pd
import pytest

import cxlab
from cxlab import DataValidationError
from cxlab.data import (
    DIMENSIONS,
    SCHEMAS,
    ExclusionReport,
    Field,
    detect_encoding,
    exclusions,
    in_period,
    load_folder,
    read_source,
    validate,
)

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
    with pytest.raises(DataValidationError, match=r"column 'nps': 1 value\(s\) that are not numbers \(e.g. \['ten'\]\) in row 1;"):
        cxlab.load_responses(pd.DataFrame({"nps": ["9", "ten"]}))
    with pytest.raises(DataValidationError, match="not whole numbers"):
        cxlab.load_responses(pd.DataFrame({"csat": [4.5, 3]}))
    with pytest.raises(DataValidationError, match=r"column 'responded': 1 value\(s\) that are not yes/no.*\['maybe'\]"):
        cxlab.load_responses(pd.DataFrame({"nps": [9, 8], "responded": ["是", "maybe"]}))
    with pytest.raises(DataValidationError, match=r"column 'submitted_at': 1 value\(s\) that are not dates"):
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


# --------------------------------------------------------------------------------------
# in_period
# --------------------------------------------------------------------------------------


@pytest.fixture
def stamped():
    frame = pd.DataFrame({"response_id": [1, 2, 3, 4, 5],
                          "submitted_at": ["2026-06-30 23:59", "2026-07-01 00:00", "2026-09-30 23:59",
                                           "2026-10-01 00:00", None],
                          "nps": [9, 8, 7, 6, 5]})
    return cxlab.load_responses(frame)


def test_in_period_keeps_start_drops_end_and_counts_the_rest(stamped):
    q3 = in_period(stamped, time="submitted_at", start="2026-07-01", end="2026-10-01")
    assert q3["response_id"].tolist() == [2, 3]
    report = ExclusionReport.from_frame(q3)
    assert report.rows == 5 and report.source == "the DataFrame"
    assert report.excluded[-2:] == [
        {"column": "submitted_at", "reason": "outside 2026-07-01 to 2026-10-01", "rows": 2},
        {"column": "submitted_at", "reason": "no timestamp", "rows": 1}]
    # the input's report is extended on the copy, never changed in place
    assert ExclusionReport.from_frame(stamped).excluded == []


def test_in_period_one_bound_and_no_bounds(stamped):
    assert in_period(stamped, time="submitted_at") is stamped  # nothing to cut
    assert in_period(stamped, time="whatever", start=None, end="") is stamped
    late = in_period(stamped, time="submitted_at", start="2026-07-01")
    assert late["response_id"].tolist() == [2, 3, 4]
    assert late.attrs["cxlab_exclusions"]["excluded"][0]["reason"] == "outside 2026-07-01 to ..."
    early = in_period(stamped, time="submitted_at", end=pd.Timestamp("2026-07-01"))
    assert early["response_id"].tolist() == [1]


def test_in_period_on_a_frame_cxlab_did_not_load():
    rows = pd.DataFrame({"at": pd.to_datetime(["2026-01-05", "2026-02-05"])})
    out = in_period(rows, time="at", start="2026-02-01")
    assert len(out) == 1
    assert out.attrs["cxlab_exclusions"] == {
        "source": "the DataFrame", "rows": 2,
        "excluded": [{"column": "at", "reason": "outside 2026-02-01 to ...", "rows": 1}]}


def test_in_period_time_zones():
    utc = pd.to_datetime(["2026-06-30 15:30", "2026-06-30 16:30", "2026-07-01 01:00"]).tz_localize("UTC")
    rows = pd.DataFrame({"at": utc.tz_convert("Asia/Shanghai"), "k": [1, 2, 3]})
    # A bound without a zone is a wall-clock time in the column's zone: 2026-07-01 00:00 in
    # Shanghai is 2026-06-30 16:00 UTC.
    assert in_period(rows, time="at", start="2026-07-01")["k"].tolist() == [2, 3]
    # A bound with a zone is the instant it names, whatever the column's zone.
    assert in_period(rows, time="at", start="2026-07-01 00:00+00:00")["k"].tolist() == [3]
    assert in_period(rows.assign(at=rows["at"].dt.tz_convert("UTC")), time="at",
                     end="2026-07-01")["k"].tolist() == [1, 2]
    naive = rows.assign(at=rows["at"].dt.tz_localize(None))
    with pytest.raises(ValueError, match="has a time zone but column 'at' does not.*tz_localize"):
        in_period(naive, time="at", start="2026-07-01T00:00+08:00")


def test_in_period_errors_name_the_problem(stamped):
    with pytest.raises(DataValidationError, match="no column 'submited_at'.*did you mean 'submitted_at'"):
        in_period(stamped, time="submited_at", start="2026-07-01")
    with pytest.raises(DataValidationError, match="'when' holds .* not timestamps.*pd.to_datetime"):
        in_period(pd.DataFrame({"when": ["2026-07-02"]}), time="when", start="2026-07-01")
    with pytest.raises(ValueError, match="`end` must be a date or time.*got 'next week'"):
        in_period(stamped, time="submitted_at", end="next week")


# --------------------------------------------------------------------------------------
# exclusions, ExclusionReport, load_folder, read_source, validate
# --------------------------------------------------------------------------------------


def test_exclusions_gathers_every_loaded_table(sample_data):
    responses = cxlab.load_responses(sample_data.responses)
    tickets = cxlab.load_tickets(sample_data.tickets)
    table = exclusions({"responses": responses, "tickets": tickets, "raw": sample_data.customers})
    assert list(table.columns) == ["table", "rows_read", "column", "reason", "rows", "share"]
    assert set(table["table"]) == {"responses", "tickets"}  # "raw" has no report: skipped
    adopted = table[(table.table == "tickets") & (table.column == "suggestion_adopted")].iloc[0]
    assert adopted["reason"] == "not a suggestion ticket"
    assert adopted["rows"] == sample_data.tickets["suggestion_adopted"].isna().sum()
    assert adopted["share"] == pytest.approx(100 * adopted["rows"] / len(tickets))
    empty = exclusions({"raw": sample_data.customers})
    assert empty.empty and list(empty.columns) == list(table.columns)


def test_exclusion_report_round_trip_and_text():
    report = ExclusionReport(source="s.csv", rows=4,
                             excluded=[{"column": "nps", "reason": "question left blank", "rows": 1}])
    frame = report.to_frame()
    assert frame["share"].tolist() == pytest.approx([25.0])
    assert ExclusionReport(**report.to_dict()) == report
    assert ExclusionReport.from_frame(pd.DataFrame()) is None
    assert str(report).splitlines() == ["4 rows read from s.csv; none dropped.",
                                        "  nps: 1 blank (question left blank), left out of its metrics"]
    assert ExclusionReport(source="empty", rows=0).to_frame().empty


def test_load_folder_maps_columns_and_order_per_table(tmp_path):
    pd.DataFrame({"推荐意愿": [9, 3], "环节": ["审核", "预约"]}).to_csv(tmp_path / "responses.csv", index=False)
    pd.DataFrame({"ticket_id": [1], "created_at": ["2026-04-01"], "环节": ["预约"]}).to_parquet(
        tmp_path / "tickets.parquet")
    pd.DataFrame({"ticket_id": [9], "created_at": ["bad"]}).to_csv(tmp_path / "tickets.csv", index=False)
    tables = load_folder(tmp_path, columns={"推荐意愿": "nps", "环节": "journey_stage"},
                         order={"journey_stage": STAGES})
    assert set(tables) == {"responses", "tickets"}  # parquet is read before CSV
    assert tables["responses"]["nps"].tolist() == [9, 3]
    for frame in tables.values():
        assert frame["journey_stage"].cat.categories.tolist() == STAGES
    assert tables["tickets"].attrs["cxlab_exclusions"]["source"] == str(tmp_path / "tickets.parquet")
    with pytest.raises(DataValidationError, match=r"`columns` maps \['渠道'\], which no table"):
        load_folder(tmp_path, columns={"推荐意愿": "nps", "渠道": "channel"})
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataValidationError, match="holds none of responses"):
        load_folder(empty)


def test_read_source_frames_tsv_and_bad_sources(tmp_path):
    frame = pd.DataFrame({"nps": [9, 10]})
    copy = read_source(frame)
    assert copy is not frame and copy.equals(frame)
    tsv = tmp_path / "s.tsv"
    tsv.write_text("nps\tcsat\n9\t5\n", encoding="utf-8")
    assert read_source(tsv).to_dict("list") == {"nps": [9], "csat": [5]}
    odd = tmp_path / "s.json"
    odd.write_text("{}", encoding="utf-8")
    with pytest.raises(DataValidationError, match="got '.json'"):
        read_source(odd)
    db = tmp_path / "s.duckdb"
    with duckdb.connect(str(db)) as con:
        con.sql("CREATE TABLE t AS SELECT 9 AS nps")
    with pytest.raises(ValueError, match="needs `table=` or `query=`"):
        read_source(db)
    assert read_source(db, query="SELECT nps + 1 AS nps FROM t")["nps"].tolist() == [10]
    with pytest.raises(ValueError, match="needs `table=` or `query=`"):
        read_source(f"sqlite:///{tmp_path / 'x.sqlite'}")


def test_validate_and_the_schemas():
    assert set(SCHEMAS) == {"responses", "tickets", "customers", "assignments"}
    assert all(isinstance(f, Field) for spec in SCHEMAS.values() for f in spec.values())
    assert set(DIMENSIONS) <= set(SCHEMAS["tickets"])
    raw = pd.DataFrame({"user_id": [1, 2], "variant": ["A", "B"], "fcr": ["yes", "no"],
                        "csat": [5.0, None]})
    typed = validate(raw, "assignments")
    assert typed["csat"].dtype == "Int8" and typed["fcr"].tolist() == [True, False]
    assert typed["variant"].dtype == "category"
    assert raw["csat"].dtype == float  # input untouched
    with pytest.raises(DataValidationError, match="survey.csv failed validation"):
        validate(raw.assign(user_id=[1, 1]), "assignments", where="survey.csv")
    with pytest.raises(ValueError, match="`table` must be one of 'responses', 'tickets'.*got 'orders'"):
        validate(raw, "orders")
