"""The memo's judgements, the follow-up summary, and the page blocks' HTML (no browser needed)."""

import pandas as pd
import pytest

from cxlab import memo, plots
from cxlab.followup import follow_up_summary
from cxlab.reports.blocks import Card, Cards, Chart, Heading, Html, Page, Picker, Switch, to_html


def _breakdown(values, z, *, metric="csat", differs=True, small=False):
    return pd.DataFrame({"segment": "journey_stage", "level": [f"s{i}" for i in range(len(values))], "metric": metric,
                         "n": 100, "value": values, "ci_low": [v - 5 for v in values],
                         "ci_high": [v + 5 for v in values], "z_vs_rest": z, "differs": differs, "small": small})


def test_the_weakest_group_differs_beyond_chance_and_follows_the_metrics_direction():
    assert memo.weakest_group(_breakdown([60, 80, 75], [-4.0, 3.0, 1.0]))["level"] == "s0"
    # nobody differs (Holm): no weakest group, even though s0 is lowest
    assert memo.weakest_group(_breakdown([60, 80, 75], [-4.0, 3.0, 1.0], differs=False)) is None
    # too few answers are never judged
    assert memo.weakest_group(_breakdown([60, 80], [-4.0, 3.0], small=[True, False])) is None
    # lower CES is better: the weakest stage has the highest effort
    assert memo.weakest_group(_breakdown([3.1, 4.2, 3.0], [-1.0, 4.0, -3.0], metric="ces"))["level"] == "s1"


def test_the_memo_calls_a_change_real_only_when_its_test_does():
    changes = pd.DataFrame({"metric": ["nps", "csat", "ces"], "period": "2026-09-21", "previous": "2026-09-14",
                            "value": [10.0, 70.0, 3.5], "diff": [-8.0, 1.0, 0.4], "significant": [True, False, False],
                            "small": [False, False, True]})
    text = memo.memo(changes=changes, locale="en")
    assert "a real decline" in text  # NPS fell and the test says it is real
    assert "within chance" in text  # CSAT's change is not
    assert "too few answers" in text  # CES has too few answers to judge
    zh = memo.memo(changes=changes, locale="zh")
    assert "真实的下滑" in zh and "随机波动" in zh and "回答太少" in zh
    table = memo.memo_table(changes=changes)
    assert table["locale"].tolist() == ["zh", "en"] and table["text"].iloc[1] == text


def test_the_memo_names_the_weakest_stages_owner_and_the_follow_up_list():
    follow = pd.DataFrame([{"to_call": 12, "overdue": 3, "hours": 24, "since": pd.Timestamp("2026-09-21")}])
    text = memo.memo(breakdown=_breakdown([60, 80, 75], [-4.0, 3.0, 1.0]), follow=follow, owners={"s0": "Claims team"},
                     locale="en")
    assert "“s0”" in text and "Claims team" in text and "12 low scorers" in text and "3 of them" in text
    assert "no owner yet" in memo.memo(breakdown=_breakdown([60, 80], [-4.0, 3.0]), locale="en")


def test_the_follow_up_summary_counts_this_period_and_reads_recorded_call_backs():
    follow = pd.DataFrame({"submitted": pd.to_datetime(["2026-09-14 09:00", "2026-09-21 09:00", "2026-09-22 09:00",
                                                         "2026-09-23 09:00"])})
    follow["deadline"] = follow["submitted"] + pd.Timedelta(hours=24)
    plain = follow_up_summary(follow, as_of="2026-09-23 12:00").iloc[0]
    # this week (from Monday 2026-09-21): three answers, two past their deadline, none recorded as called back
    assert (plain["to_call"], plain["overdue"], plain["due"], plain["all_time"], plain["past_deadline"]) == (3, 2, 1, 4, 3)
    follow["followed_up_at"] = pd.to_datetime(["2026-09-14 10:00", "2026-09-21 12:00", None, None])
    called = follow_up_summary(follow, as_of="2026-09-23 12:00").iloc[0]
    assert (called["overdue"], called["past_deadline"], called["open"], called["call_backs_recorded"]) == (1, 1, 2, True)
    with pytest.raises(ValueError, match="period"):
        follow_up_summary(follow, period="fortnight")


def test_a_page_holds_every_picker_state_and_escapes_what_it_shows():
    drawn = []

    def view(key):
        drawn.append(key)
        return [Html(f"<p>{key[0]}-{key[1]}</p>")]

    switch = Switch((Picker("Metric", {"NPS": "nps", "CSAT": "csat"}, "cx-metric"),
                     Picker("By", {"Channel": "channel", "Stage": "stage"})), view, "cx-test")
    page = Page("标题 <b>", "ok run", "ok", "zh",
                [Heading("要点"), Cards((Card("<script>", "1.0", tone="good"),)), switch])
    html = to_html(page, nav=[("Index", "index.zh.html", False)], languages=[("English", "x.en.html")])
    assert drawn == [("nps", "channel"), ("nps", "stage"), ("csat", "channel"), ("csat", "stage")]
    assert html.count('class="cx-view"') == 4 and html.count(" hidden>") == 3  # the first state shows
    assert "<script>" not in html.split("<main>")[1].split("<script>")[0]  # card text is escaped
    assert "&lt;script&gt;" in html and 'lang="zh-CN"' in html and "http" not in html.replace("http-equiv", "")


def test_a_chart_block_is_an_inline_png():
    import matplotlib.pyplot as plt

    html = to_html(Page("t", "b", "ok", "en", [Chart(lambda: plt.figure().gca(), "x")]))
    assert 'src="data:image/png;base64,' in html and "cx-figure-x" in html


def test_the_comment_charts_label_their_axes_in_the_readers_language():
    words = pd.DataFrame({"word": ["等", "排队"], "count_low": [20, 12], "count_high": [1, 0]})
    assert plots.plot_keywords(words, locale="zh").get_xlabel() == "使用该词的评论数"
    phrases = pd.DataFrame({"phrase": ["排了一个小时"], "share_low": [8.0]})
    assert plots.plot_phrases(phrases, locale="en").get_xlabel() == "share of low-score comments %"
    table = pd.DataFrame({"journey_stage": ["(all)", "审核"], "comments": [100, 40], "score_mean": [3.5, 3.1],
                          "negative": [30.0, 45.0], "neutral": [10.0, 5.0], "positive": [60.0, 50.0]})
    fig = plots.plot_sentiment(table, locale="zh")
    left = fig.axes[0]
    assert [t.get_text() for t in left.get_yticklabels()] == ["审核", "（全部）"]
    assert len(left.patches) == 6  # negative, neutral, positive per level
    two_way = plots.sentiment_shares(pd.DataFrame({"positive": [70.0]}))
    assert two_way.iloc[0].tolist() == [30.0, 0.0, 70.0]
