"""Words for people, in Chinese and English: one translation table for reports and pages.

Every heading, column label, unit, verdict word and sentence a reader sees is a key of
:data:`TEXT`, with a ``"zh"`` and an ``"en"`` text; metric names come from the metric
registry (:attr:`cxlab.metric_defs.Metric.label` and ``label_zh``). The locale is chosen
once per report or page (:func:`pick_locale`): the one asked for, else the environment
variable ``CXLAB_LOCALE``, else ``"zh"`` when the data's labels are Chinese (any CJK
character in the grouping levels), else ``"en"``.

Plain data and pandas only: pages import this without scipy.

Examples
--------
>>> t("yes", "zh"), t("yes", "en")
('是', 'yes')
>>> metric_name("nps", "zh")
'净推荐值 NPS'
>>> t("interval", "en", level="95%")
'95% interval'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

import pandas as pd

from .metric_defs import METRICS

__all__ = [
    "ENV",
    "LOCALES",
    "TEXT",
    "column_label",
    "detect_locale",
    "has_cjk",
    "metric_name",
    "pick_locale",
    "t",
    "unit_label",
    "unit_suffix",
    "value_label",
]

#: The locales every text has.
LOCALES = ("zh", "en")
#: Environment variable naming the locale of reports and pages (``zh`` or ``en``).
ENV = "CXLAB_LOCALE"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def _both(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


#: Column labels, by the column's name in cxlab's vocabulary (``col.<name>``).
_COLUMNS = {
    # groups and keys
    "metric": ("指标", "Metric"), "segment": ("细分维度", "Breakdown"), "level": ("分组", "Group"),
    "period": ("周期", "Period"), "previous": ("上一周期", "Previous period"),
    "journey_stage": ("旅程阶段", "Journey stage"), "channel": ("渠道", "Channel"), "region": ("地区", "Region"),
    "customer_type": ("客户类型", "Customer type"), "time_slot": ("时段", "Time slot"), "team": ("团队", "Team"),
    "age_band": ("年龄段", "Age band"), "agent_id": ("坐席", "Agent"), "unit": ("对象", "Unit"),
    "variant": ("实验组", "Arm"), "treated": ("是否试点", "Treated"), "table": ("数据表", "Table"),
    "column": ("字段", "Column"), "reason": ("原因", "Reason"), "se_type": ("标准误类型", "Standard error"),
    "term": ("项", "Term"), "relative": ("相对周期", "Periods from change"), "side": ("哪一侧", "Side"),
    "word": ("词", "Word"), "phrase": ("短语", "Phrase"), "kind": ("类型", "Kind"), "label": ("替换为", "Masked as"),
    "topic": ("主题", "Theme"), "terms": ("关键词", "Terms"), "examples": ("示例（已脱敏）", "Examples (masked)"),
    "driver": ("驱动因素", "Driver"), "text": ("结论", "Verdict"),
    # counts
    "n": ("样本量", "n"), "rows": ("行数", "Rows"), "rows_read": ("读入行数", "Rows read"),
    "n_missing": ("空白", "Blank"), "previous_n": ("上期样本量", "Previous n"),
    "n_control": ("对照组样本量", "n (control)"), "n_treatment": ("实验组样本量", "n (treatment)"),
    "count_low": ("低分评论数", "Low-score comments"), "count_high": ("高分评论数", "High-score comments"),
    "comments": ("评论数", "Comments"), "items": ("发现条数", "Items found"), "observed": ("实际数", "Observed"),
    "expected": ("应有数", "Expected"), "responded": ("作答数", "Responded"), "planned": ("计划数", "Planned"),
    "rank": ("排名", "Rank"),
    # values
    "value": ("数值", "Value"), "previous_value": ("上期数值", "Previous value"), "diff": ("变化", "Change"),
    "shrunk": ("收缩估计", "Shrunken estimate"), "centre": ("中心线", "Centre line"),
    "value_control": ("对照组", "Control"), "value_treatment": ("实验组", "Treatment"),
    "mde": ("最小可检测效应", "Smallest detectable effect"), "rel_diff": ("相对变化 %", "Relative change %"),
    "weight": ("权重", "Weight"), "overall": ("总体", "Overall"), "score_mean": ("平均分", "Mean score"),
    "importance": ("重要度 %", "Importance %"), "beta": ("标准化系数", "Standardised coefficient"),
    "odds_ratio": ("比值比", "Odds ratio"), "z": ("z 值", "z"), "ratio": ("倍数", "Ratio"),
    "chi2": ("卡方", "Chi-square"), "ewma": ("EWMA", "EWMA"),
    # shares (percent 0-100)
    "share": ("占比 %", "Share %"), "share_low": ("低分中占比 %", "Share of low %"),
    "share_high": ("高分中占比 %", "Share of high %"), "expected_share": ("应有占比 %", "Expected share %"),
    "rate": ("作答率 %", "Response rate %"), "percent_of_plan": ("达成计划 %", "Percent of plan"),
    "positive": ("正面 %", "Positive %"), "probability": ("正面概率 %", "Probability positive %"),
    # issue 15: three-class sentiment
    "negative": ("负面 %", "Negative %"), "neutral": ("中性 %", "Neutral %"),
    "mixed": ("褒贬兼有 %", "Mixed %"), "sentiment": ("情感", "Sentiment"),
    "n_negative": ("负面条数", "Negative"), "n_neutral": ("中性条数", "Neutral"), "n_positive": ("正面条数", "Positive"),
    "negative_ci_low": ("负面 % 下限", "Negative % low"), "negative_ci_high": ("负面 % 上限", "Negative % high"),
    "neutral_ci_low": ("中性 % 下限", "Neutral % low"), "neutral_ci_high": ("中性 % 上限", "Neutral % high"),
    "positive_ci_low": ("正面 % 下限", "Positive % low"), "positive_ci_high": ("正面 % 上限", "Positive % high"),
    # tests and flags
    "p_value": ("p 值", "p"), "p_adjusted": ("p 值（校正）", "p (adjusted)"), "p_vs_rest": ("p 值（对其余）", "p (vs rest)"),
    "p_table": ("p 值（整表）", "p (table)"), "pre_trend_p_value": ("前趋势 p 值", "Pre-trend p"),
    "significant": ("显著", "Significant"), "differs": ("差异显著", "Differs"), "small": ("样本太少", "Too few answers"),
    "ok": ("通过", "Passed"), "outlier": ("异常", "Outlier"), "alert": ("预警", "Alert"), "warning": ("提醒", "Warning"),
    "cuped": ("CUPED 校正", "CUPED"), "judged": ("已判断", "Judged"),
    "stages_missing": ("缺少的阶段", "Stages missing"),
    # combined columns (tables.for_people)
    "funnel": ("漏斗控制限", "Funnel limits"), "limits": ("控制限", "Control limits"),
    "rel_interval": ("相对变化区间", "Relative change interval"), "submitted": ("提交时间", "Submitted"),
    "deadline": ("回访截止", "Call back by"), "response_id": ("答卷编号", "Response"),
    "customer_id": ("客户编号", "Customer"), "comment": ("评论", "Comment"),
    # drivers of the sample data
    "first_response_min": ("首次响应时长（分钟）", "First response (min)"), "contacts": ("联系次数", "Contacts"),
    "reopened": ("重开", "Reopened"), "agent_tenure_months": ("坐席司龄（月）", "Agent tenure (months)"),
}

#: Cell values cxlab itself writes (sides, terms, kinds ...), by ``val.<value>``.
_VALUES = {
    "low": ("低分", "low"), "high": ("高分", "high"), "below": ("低于下限", "below"), "above": ("高于上限", "above"),
    "classical": ("经典", "classical"), "robust (HC1)": ("稳健 (HC1)", "robust (HC1)"),
    "baseline": ("基线", "baseline"), "pre_slope": ("变更前斜率", "slope before"),
    "level_change": ("水平变化", "level change"), "slope_change": ("斜率变化", "slope change"),
    "email": ("邮箱", "e-mail"), "id_card": ("身份证号", "ID card"), "bank_card": ("银行卡号", "bank card"),
    "phone": ("手机号", "phone"), "responses": ("问卷", "responses"), "tickets": ("工单", "tickets"),
    "customers": ("客户", "customers"), "composite": ("加权合计", "weighted composite"),
    "(all)": ("（全部）", "(all)"), "did not respond": ("未作答", "did not respond"),
    "question left blank": ("该题空白", "question left blank"),
    "not a suggestion ticket": ("非建议类工单", "not a suggestion ticket"),
}

#: Units of measurement (:attr:`cxlab.metric_defs.Metric.measure`).
_UNITS = {"points": ("分", "points"), "%": ("%", "%"), "min": ("分钟", "min"), "h": ("小时", "h"),
          "CNY": ("元", "CNY")}

#: Words, headings and sentences.
_WORDS = {
    # charts
    "plot.diff_vs_control": ("相对对照组的差值", "difference vs control"),
    "plot.answers": ("回答数 (n)", "answers (n)"),
    "plot.range_998": ("该样本量下 99.8% 的范围", "99.8 % range for this n"),
    "plot.range_95": ("95% 范围", "95 % range"),
    "yes": ("是", "yes"), "no": ("否", "no"), "too_few": ("样本太少", "too few answers"),
    "none": ("（没有符合条件的行）", "(no rows)"),
    "significant_mark": ("✓ 显著", "✓ significant"), "interval": ("{level} 区间", "{level} interval"),
    "to": ("至", "to"), "estimate": ("估计值", "Estimate"),
    "legend": ("<b>✓ 显著</b>（绿色）：经多重检验校正后仍成立的差异；空白：数据不足以计算；"
               "“样本太少”：回答太少，不作判断。",
               "<b>✓ significant</b> (green): a difference that survives the multiple-testing correction; "
               "blank: not enough data to compute; “too few answers”: not judged."),
    # readout and decision
    "readout.n": ("样本量（对照 / 实验）", "n"), "readout.control": ("对照组", "control"),
    "readout.treatment": ("实验组", "treatment"), "readout.diff": ("差异（{level} 置信区间）", "difference ({level} CI)"),
    "readout.p": ("p 值（校正）", "p (adjusted)"), "readout.significant": ("显著", "significant"),
    "readout.mde": ("最小可检测效应", "smallest detectable"), "readout.variant": ("实验组", "variant"),
    "readout.metric": ("指标", "metric"),
    "decision.wait": ("暂不决策：{verdict}", "Do not decide yet: {verdict}"),
    "decision.too_few": ("方案 {arm}：回答太少，无法判断 {sizes}。", "Variant {arm}: too few answers to judge {sizes}."),
    "decision.sizes": ("{metric}（n = {control:,} 和 {treatment:,}）", "{metric} (n = {control:,} and {treatment:,})"),
    "decision.none": ("方案 {arm} 没有经多重检验校正后仍成立的差异。",
                      "Variant {arm} shows no difference that survives the multiple-testing correction."),
    "decision.changes": ("方案 {arm} 的变化：{effects}。", "Variant {arm} changes {effects}."),
    "decision.effect": ("{metric} {diff}（{level} 置信区间 {low} 至 {high}）",
                        "{metric} {diff} ({level} CI {low} to {high})"),
    "decision.srm_ok": ("样本比例检验通过。", "The sample-ratio check passed."),
    "list_sep": ("；", "; "),
    # pages
    "page.overview": ("客户体验总览", "CX overview"), "page.segments": ("细分分析", "Segments"),
    "page.experiment": ("实验", "Experiment"), "page.comments": ("客户评论", "Customer comments"),
    "page.empty": ("报告“{job}”还没有成功运行过，暂无内容。请稍后再来，或联系报告负责人。",
                   "No run of the report “{job}” has succeeded yet, so there is nothing to show. "
                   "Please check back later, or ask the report's owner."),
    "page.ok": ("数据来自定时运行 {run}，生成于 {when}。", "Data from the scheduled run {run}, produced {when}."),
    "page.failed": ("最新一次运行（{newest}）失败，本页仍显示上一次成功的运行 {run}，生成于 {when}。",
                    "The newest run ({newest}) failed, so this page still shows the last good run {run}, "
                    "produced {when}."),
    "page.unknown_time": ("时间未知", "at an unknown time"),
    "page.every_metric": ("全部指标及其 {level} 区间", "Every metric, with its {level} interval"),
    "page.over_time": ("随时间变化", "Over time"), "page.metric": ("指标", "Metric"),
    "page.no_change": ("经多重检验校正后，各周期之间没有真实的变化。",
                       "No change between periods survives the multiple-testing correction."),
    "page.real_changes": ("周期之间的真实变化：", "Real changes between periods:"),
    "page.by_stage": ("按旅程阶段", "By journey stage"), "page.composite": ("旅程加权合计", "Weighted journey composite"),
    "page.where_differs": ("哪里的体验不同", "Where experience differs"),
    "page.where_differs_note": ("<i>差异显著</i>：经 Holm 校正后与其他分组确有不同；<i>样本太少</i>：回答太少，不参与排名。",
                                "<i>Differs</i>: really different from the other segments (Holm-corrected); "
                                "<i>too few answers</i>: not ranked."),
    "page.breakdown": ("细分维度", "Breakdown"), "page.alerts": ("预警", "Alerts"),
    "page.no_alerts": ("没有触点低于控制下限。", "No touchpoint is below its control limit."),
    "page.league": ("排行榜（收缩估计）", "League table (shrunken estimates)"), "page.heatmap": ("热力图", "Heatmap"),
    "page.decision": ("结论", "Decision"), "page.srm": ("样本比例", "Sample ratio"),
    "page.response_balance": ("各组问卷作答率", "Survey response by arm"),
    "page.sample_size": ("样本量与计划对比", "Size against the plan"),
    "page.effects": ("相对对照组的效应", "Effects against the control arm"),
    "page.masked": ("在 {comments:,} 条评论中发现 {items:,} 处个人信息，已在保存和展示前脱敏。",
                    "{items:,} personal-data items were found in {comments:,} comments and masked before anything "
                    "was saved or shown."),
    "page.words_low": ("低分评论的关键词", "Words of low scores"), "page.segment": ("分组", "Segment"),
    "page.phrases": ("低分评论的高频短语", "Frequent phrases of low scores"),
    "page.sentiment": ("情感与评分对照", "Sentiment next to the score"),
    # issue 15: three-class sentiment
    "page.sentiment_note": ("负面 / 中性 / 正面 %：被判为该类的评论占比及其 95% 区间（中性不计入任何一方）；"
                            "褒贬兼有：同一条评论里既有明显正面、又有明显负面的分句；正面概率：正面概率的平均值。",
                            "Negative / neutral / positive: percent of comments read as each, with its 95 % interval "
                            "(a neutral comment counts for neither side); mixed: a clearly positive and a clearly "
                            "negative clause in one comment; probability: mean probability of positive."),
    "page.by": ("按", "By"), "page.topics": ("低分评论的主题", "Themes of the low-score comments"),
    # report notebooks
    "nb.no_tickets": ("*数据文件夹中没有工单表，工单相关部分已跳过。*",
                      "*There is no tickets table in the data folder, so the service-ticket sections are skipped.*"),
    "nb.pre_trend": ("前趋势检验（变更前各期差异均为零）：p = {p}", "Pre-trend test (all pre-change differences zero): p = {p}"),
}


#: The report notebooks' prose (key nb.<notebook>.<section>).
_PROSE = {
    'nb.before_after.intro': ('某项无法随机分配的变更先在部分地区上线。双重差分比较实施地区与其他地区的变化，季节因素因而相互抵消；事件研究和安慰剂日期检验两组在变更前是否同步变化；中断时间序列只看实施地区的水平与趋势变化。',
        'A change that could not be randomised went live in some regions first. Difference-in-differences\ncompares the change in the treated regions with the change elsewhere, so the season cancels out;\nthe event study and a placebo date check that the groups moved together before; the interrupted\ntime series reads the level and trend change in the treated regions alone.'),
    'nb.before_after.outcome_over_time': ('## 指标随时间变化：实施组与其他组',
        '## The outcome over time, treated against the rest'),
    'nb.before_after.difference_in_differences': ('## 双重差分',
        '## Difference-in-differences'),
    'nb.before_after.did_groups_move': ('## 变更前两组是否同步？事件研究与安慰剂检验',
        '## Did the groups move together before? Event study and placebo'),
    'nb.before_after.interrupted_time_series': ('## 实施地区的中断时间序列',
        '## Interrupted time series in the treated units'),
    'nb.comments.intro': ('评分说明问题在哪里，评论说明为什么。每条评论先脱敏（手机号、身份证号、银行卡号、邮箱替换为标签）；随后按旅程环节和渠道列出区分低分与高分的关键词、低分评论的高频短语、评论情感与评分的对照，以及低分评论的主题和示例。',
        'Scores say where; comments say why. Every comment is masked first (phone, ID-card and bank-card\nnumbers, e-mails become labels); then the words that separate low from high scores, per journey\nstage and channel, frequent phrases of low scores, how positive the comments are next to the score, and the themes of the\nlow-score comments with examples.'),
    'nb.comments.personal_data_found': ('## 发现并脱敏的个人信息',
        '## Personal data found and masked'),
    'nb.comments.words_low_scores': ('## 低分与高分评论的关键词',
        '## Words of low scores against high scores'),
    'nb.comments.frequent_phrases_low': ('## 低分评论的高频短语\n\n分句内的词序列，每条评论只计一次；每一行对应不同的评论。',
        '## Frequent phrases of low scores\n\nWord sequences within a clause, counted once per comment; each row names different comments.'),
    # issue 15: three-class sentiment
    'nb.comments.sentiment_next_score': ('## 情感与评分对照\n\n每条评论被判为负面、中性或正面（中文与英文模型，离线运行；训练方式与准确率见 README），按旅程环节和渠道列出各类占比及其区间，并与同一批回答的平均评分并排。',
        '## Sentiment next to the score\n\nEach comment read as negative, neutral or positive (Chinese and English models, offline; see the\nREADME for how they were trained and how accurate they are); the share of each class with its\ninterval, per journey stage and channel, beside the mean score of the same answers.'),
    'nb.comments.themes_low_score': ('## 低分评论的主题（示例已脱敏）',
        '## Themes of the low-score comments (examples masked)'),
    'nb.experiment.intro': ('先做可信度检查（各组是否符合设计的分配比例？实验是否改变了谁来答问卷？样本量是否达到计划？），再给出每个实验组在每个指标上的效应及其区间（已对同时检验多个指标做校正），最后用一句话给出结论。',
        "Trust checks first (do the arms hold the designed shares? did the treatment change who answers\nthe survey? did the test reach its planned size?), then each arm's effect on each metric with its\ninterval, corrected for testing many metrics at once, and the decision in one sentence."),
    'nb.experiment.trust_checks': ('## 可信度检查',
        '## Trust checks'),
    'nb.experiment.effects': ('## 效应\n\n相对对照组的差值：比率和占比为百分点，NPS 为分，均值为原单位。校正后的 p 值对所有实验组和指标做 Holm 校正；最小可检测效应是该实验以 80% 检验力能发现的最小效应。',
        '## Effects\n\nDifferences against the control arm: percentage points for rates and shares, points for NPS, units for means. `p_adjusted` is Holm-corrected over every arm and metric; `mde` is the smallest effect the test could detect with 80 % power.'),
    'nb.experiment.decision': ('## 结论',
        '## Decision'),
    'nb.scores.intro': ('每个问卷与服务指标及其区间（置信水平见参数 `confidence`）：总体、随时间变化（以及经多重比较校正后真实的周期间变化）、按旅程环节（含加权综合得分）、按渠道（并列问卷作答率）。第一张表说明每个指标剔除了多少行及原因。\n\n*由 `cxlab run` 运行；在 JupyterLab 中用 **cxlab** 内核打开可进一步探索。使用默认参数（`cxlab sample` 生成的示例数据）可从头运行到尾。*',
        'Every survey and service metric with its interval (at the `confidence` level): overall, over time (with the changes\nbetween periods that are real, after correcting for the number of comparisons), by journey stage with the\nweighted composite, and by channel beside its survey response rate. The first table says how\nmany rows each metric had to leave out, and why.\n\n*Run by `cxlab run`; open it in JupyterLab with the **cxlab** kernel to explore. It runs top to\nbottom on the defaults (the sample data from `cxlab sample`).*'),
    'nb.scores.rows_behind_numbers': ('## 数据行的去向\n\n空白回答不计入对应指标，但绝不悄悄丢弃：这里按原因逐一计数。',
        '## Rows behind the numbers\n\nBlank answers are left out of a metric, never silently: each is counted here by reason.'),
    'nb.scores.overall': ('## 总体',
        '## Overall'),
    'nb.scores.over_time': ('## 随时间变化\n\n色带为置信区间。某周期回答少，色带就宽，这不代表真实的波动。',
        '## Over time\n\nBands are intervals at the `confidence` level. Few answers in a period make a wide band, not a real swing.'),
    'nb.scores.changes_from_previous': ('### 与上一周期相比的变化\n\n“显著”基于全表 Holm 校正后的 p 值，表再长也不会因偶然而误报。',
        '### Changes from the previous period\n\n`significant` uses Holm-adjusted p-values across the whole table, so a long table does not produce false alarms by chance alone.'),
    'nb.scores.by_journey_stage': ('## 按旅程环节',
        '## By journey stage'),
    'nb.scores.by_channel': ('## 按渠道\n\n作答率低说明该评分只代表少数客户；请两者对照阅读。',
        '## By channel\n\nA low response rate means the score speaks for few customers; read the two together.'),
    'nb.segments.intro': ('分组对比指出哪些分组差异是真实的（并标出样本太少、不参与排名的分组）；排行榜用收缩估计为坐席排名，不让运气取胜；控制图标出评分下滑的触点；关键驱动因素显示哪些流程指标影响满意度；闭环名单列出每一位需要在 24 小时内回访的低分客户。',
        'Breakdowns say which segment differences are real (and flag segments too small to rank); league\ntables rank agents on shrunken estimates so luck does not win; control charts flag a touchpoint\nwhose score drops; key drivers show which process metrics move satisfaction; the closed-loop list\nnames every low scorer to call back within 24 hours.'),
    'nb.segments.breakdowns': ('## 分组对比\n\n“与其他组不同”表示经 Holm 校正后与其余分组有差异；样本太少（少于 `min_n` 条回答）的分组不参与排名。',
        '## Breakdowns\n\n`differs` marks segments that differ from the rest after a Holm correction; `small` segments (fewer than `min_n` answers) are never ranked.'),
    'nb.segments.response_rates': ('## 作答率\n\n作答者很少的分组，只代表自选择的少数人。',
        '## Response rates\n\nA segment where few answer speaks for a self-selected few.'),
    'nb.segments.league_table_funnel': ('## 排行榜与漏斗图',
        '## League table and funnel'),
    'nb.segments.heatmap': ('## 热力图',
        '## Heatmap'),
    'nb.segments.alerts': ("## 预警\n\n每个周期与之前各周期比较（Laney p' 控制图）；跌破下控制限即为预警。",
        "## Alerts\n\nEach period against the periods before it (Laney p'-chart); a drop beyond the lower limit is an alert."),
    'nb.segments.key_drivers': ('## 关键驱动因素',
        '## Key drivers'),
    'nb.segments.closed_loop_who': ('## 闭环：需要回访的客户',
        '## Closed loop: who to call back'),
}


def _table() -> dict[str, dict[str, str]]:
    out = {f"col.{k}": _both(*v) for k, v in _COLUMNS.items()}
    out |= {f"val.{k}": _both(*v) for k, v in _VALUES.items()}
    out |= {f"unit.{k}": _both(*v) for k, v in _UNITS.items()}
    out |= {k: _both(*v) for k, v in _WORDS.items()}
    out |= {k: _both(*v) for k, v in _PROSE.items()}
    return out


#: The one translation table: key -> {"zh": ..., "en": ...}.
TEXT: dict[str, dict[str, str]] = _table()


def _check(locale: str) -> str:
    if locale not in LOCALES:
        raise ValueError(f"`locale` must be one of {', '.join(LOCALES)}; got {locale!r}.")
    return locale


def t(key: str, locale: str, **values) -> str:
    """The text of ``key`` in ``locale``, with ``values`` filled in (``str.format``)."""
    text = TEXT[key][_check(locale)]
    return text.format(**values) if values else text


def has_cjk(text: object) -> bool:
    """Whether ``text`` holds a Chinese, Japanese or Korean character."""
    return isinstance(text, str) and bool(_CJK.search(text))


def _labels(frame: pd.DataFrame) -> Iterable[object]:
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            yield from s.cat.categories[:200]
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            yield from s.dropna().drop_duplicates().head(200)


def detect_locale(*frames: pd.DataFrame | None) -> str:
    """``"zh"`` when any grouping level (a text or categorical value) of ``frames`` is Chinese, else ``"en"``."""
    for frame in frames:
        if frame is not None and any(has_cjk(v) for v in _labels(frame)):
            return "zh"
    return "en"


def pick_locale(locale: str | None = None, *frames: pd.DataFrame | None) -> str:
    """The locale to write in: ``locale`` if given, else ``$CXLAB_LOCALE``, else :func:`detect_locale`.

    An empty string counts as not given (the notebooks' default parameter).
    """
    if locale:
        return _check(locale)
    env = os.environ.get(ENV, "").strip().lower()
    if env:
        return _check(env)
    return detect_locale(*frames)


def metric_name(metric: str, locale: str) -> str:
    """A metric's name for people (``净推荐值 NPS`` / ``NPS``); unknown names pass through."""
    m = METRICS.get(metric)
    if m is None:
        return str(metric)
    return (m.label_zh or m.label) if _check(locale) == "zh" else m.label


def column_label(column: str, locale: str) -> str:
    """A column's label for people; a metric's column takes the metric's name; unknown names pass through."""
    column = str(column)
    if f"col.{column}" in TEXT:
        return t(f"col.{column}", locale)
    if column in METRICS:
        return metric_name(column, locale)
    if " × " in column:  # a two-way breakdown: "customer_type × channel"
        return " × ".join(column_label(c, locale) for c in column.split(" × "))
    return column


def value_label(value: object, locale: str) -> object:
    """A value cxlab writes (``low``, ``baseline``, ``email`` ...) in ``locale``; other values unchanged."""
    if isinstance(value, str):
        if f"val.{value}" in TEXT:
            return t(f"val.{value}", locale)
        if value.startswith("cluster (") and value.endswith(")"):
            return ("聚类 ({})" if locale == "zh" else "cluster ({})").format(column_label(value[9:-1], locale))
    return value


def unit_suffix(metric: str | None, locale: str) -> str:
    """What follows a metric's value: ``%`` directly, other units after a space (`` 分钟``)."""
    m = METRICS.get(metric) if metric is not None else None
    if m is None or not m.measure:
        return ""
    label = unit_label(m.measure, locale)
    return label if m.measure == "%" else f" {label}"


def unit_label(measure: str, locale: str) -> str:
    """A unit of measurement (``points`` -> ``分``); unknown units pass through."""
    return t(f"unit.{measure}", locale) if f"unit.{measure}" in TEXT else measure
