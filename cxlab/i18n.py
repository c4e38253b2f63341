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
from .translations.loop import LOOP
from .translations.notebooks import PROSE

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
    "negative_interval": ("负面 % 区间", "Negative % interval"), "neutral_interval": ("中性 % 区间", "Neutral % interval"),
    "positive_interval": ("正面 % 区间", "Positive % interval"),
    "model": ("模型", "Model"), "language": ("语言", "Language"), "used": ("本报告采用", "Used here"), "accuracy": ("准确率 %（三类）", "Accuracy % (three classes)"),
    "accuracy_interval": ("准确率 % 区间", "Accuracy % interval"),
    "polar_accuracy": ("正负面判断正确 %", "Positive vs negative right %"),
    "polar_accuracy_interval": ("正负面 % 区间", "Positive vs negative % interval"),
    "neutral_recall": ("中性识别率 %", "Neutral read as neutral %"),
    "neutral_recall_interval": ("中性识别率 % 区间", "Neutral recall % interval"),
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
    # the follow-up list in one line (cxlab.followup.follow_up_summary)
    "as_of": ("截至", "As of"), "since": ("本期起始", "Period from"), "to_call": ("本期待回访", "To call back"),
    "overdue": ("本期已超时", "Late this period"), "due": ("未到期", "Not yet due"), "hours": ("回访时限（小时）", "Within (hours)"),
    "all_time": ("名单总数", "Whole list"), "past_deadline": ("累计超时", "Late in all"), "open": ("未回访", "No call-back"),
    "call_backs_recorded": ("数据含回访记录", "Call-backs in data"), "breach_share": ("超时占比 %", "Late %"),
    "followed_up_at": ("回访时间", "Called back"),
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
    "zh": ("中文", "Chinese"), "en": ("英文", "English"),
    "shipped": ("自带模型", "shipped model"), "adapted": ("按你们的标注校正", "corrected with your labels"),
    "(all)": ("（全部）", "(all)"), "did not respond": ("未作答", "did not respond"),
    "question left blank": ("该题空白", "question left blank"),
    "not a suggestion ticket": ("非建议类工单", "not a suggestion ticket"),
    # issue 15: kinds of masked personal data (cxlab.text.PERSONAL_DATA)
    "mobile": ("手机号", "mobile"), "landline": ("座机", "landline"), "wechat": ("微信号", "WeChat ID"),
    "qq": ("QQ号", "QQ number"), "plate": ("车牌号", "licence plate"),
}

#: Units of measurement (:attr:`cxlab.metric_defs.Metric.measure`).
_UNITS = {"pp": (" 个百分点", " pp"), "points": ("分", "points"), "%": ("%", "%"), "min": ("分钟", "min"), "h": ("小时", "h"),
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
    "page.sentiment_shipped": ("情感由 cxlab 自带模型判断；给评论报告一份你们自己标注过的评论，即可按你们客户的写法校正。",
                               "Sentiment read by cxlab's shipped model; give the comments report a file of your own "
                               "labelled comments to correct it to your customers' writing."),
    "page.sentiment_adapted": ("{language}评论的情感由按你们标注的 {n:,} 条评论校正后的模型判断（交叉验证准确率：自带模型 {before}%，校正后 {after}%）。",
                               "Sentiment of {language} comments read by the model corrected with your {n:,} labelled "
                               "comments (cross-validated accuracy: shipped model {before} %, corrected {after} %)."),
    "page.sentiment_too_few": ("{language}评论仍由自带模型判断：你们标注的{language}评论只有 {n:,} 条，至少需要 {least} 条才会校正。",
                               "Sentiment of {language} comments still read by the shipped model: {n:,} of your labelled "
                               "comments are {language}, and at least {least} are needed to correct it."),
    "page.sentiment_kept": ("{language}评论仍由自带模型判断：按你们标注的 {n:,} 条评论校正后，交叉验证准确率没有提高（自带模型 {before}%，校正后 {after}%）。",
                            "Sentiment of {language} comments still read by the shipped model: corrected with your {n:,} "
                            "labelled comments it was not more accurate, cross-validated (shipped model {before} %, "
                            "corrected {after} %)."),
    "page.by": ("按", "By"), "page.topics": ("低分评论的主题", "Themes of the low-score comments"),
    # issue 13: headline figures, charts first, the memo
    "page.headline": ("要点", "At a glance"), "page.the_numbers": ("查看数字", "The numbers"),
    "page.by_channel": ("按渠道", "By channel"), "page.trust_checks": ("可信度检查", "Trust checks"),
    "page.cuped_note": ("实心点：经多重检验校正后显著。带 CUPED 校正的指标，差值按实验前的同一指标做了方差缩减，因此可能与两组数值直接相减略有不同。",
                        "Filled dots: significant after the multiple-testing correction. For metrics with CUPED, the "
                        "difference is adjusted for the same metric before the test, so it can differ a little from "
                        "treatment minus control."),
    "page.pages": ("报告页面", "Report pages"), "page.explore": ("交互探索（实时）", "Explore (live)"),
    "page.index_note": ("每个页面显示该报告最近一次成功运行的结果，并在每次运行后自动更新。",
                        "Each page shows the newest successful run of its report and is rebuilt after every run."),
    "page.built": ("页面生成于 {when}。", "Page built {when}."),
    "page.not_built": ("报告“{job}”的页面还没有生成：请先运行该报告（cxlab run {job}）。",
                       "The page of report “{job}” is not built yet: run the report first (cxlab run {job})."),
    "page.none_built": ("还没有生成任何页面：先运行报告（cxlab run --all）。",
                        "No page is built yet: run the reports first (cxlab run --all)."),
    "page.changes": ("改进闭环", "The improvement loop"),
    "page.open_changes": ("已登记的变更：状态与原因", "Registered changes: status and reason"),
    "page.change_history": ("每次运行的结论", "The verdict at each run"), "page.change": ("变更", "Change"),
    "page.by_owner": ("按负责人", "By owner"), "page.next_stages": ("最需要下一个变更的环节", "Stages that most need a next change"),
    "page.suggestions": ("值得登记的变更建议", "Changes worth registering"),
    "page.suggestions_note": ("来自预警和最弱环节的建议；只有团队在 params/changes.yaml 中登记后才会被验证。",
                              "Suggested by alerts and the weakest stage; only a change the team registers in "
                              "params/changes.yaml is verified."),
    "card.changes_detail": ("已登记变更（主指标）", "registered changes (primary metric)"),
    "card.next_stage": ("最需要改进的环节", "Stage most in need"), "card.next_stage_detail": ("在做的变更：{changes}", "changes under way: {changes}"),
    "card.metric_in": ("{metric} · {period}", "{metric} · {period}"),
    "card.interval": ("{level} 区间 {low} 至 {high}", "{level} interval {low} to {high}"),
    "card.real_change": ("比上期 {diff}：真实变化", "{diff} vs previous period: a real change"),
    "card.noise": ("比上期 {diff}：在随机波动范围内", "{diff} vs previous period: within chance"),
    "card.too_few": ("回答太少，不作判断", "too few answers to judge"),
    "card.weakest": ("{metric}最弱的分组", "Weakest group on {metric}"),
    "card.below_rest": ("显著低于其他分组", "below the rest, beyond chance"),
    "card.groups_differ": ("与其他分组确有差异的分组", "Groups that really differ"),
    "card.groups_differ_detail": ("经 Holm 校正", "after a Holm correction"),
    "card.alerts": ("当前预警", "Alerts now"), "card.alerts_detail": ("最近三个周期", "in the last three periods"),
    "card.follow_up": ("本期待回访", "To call back this period"),
    "card.follow_up_detail": ("{hours} 小时内回访；{overdue} 位已超时（数据未记录回访）",
                              "within {hours} h; {overdue} past the deadline (call-backs are not in the data)"),
    "card.effect": ("{metric} · 方案 {variant}", "{metric} · variant {variant}"),
    "card.effect_real": ("真实差异（已校正）", "a real difference (corrected)"),
    "card.effect_none": ("没有可确认的差异", "no difference confirmed"),
    "card.comments": ("分析的评论", "Comments analysed"), "card.masked": ("已脱敏的个人信息", "Personal data masked"),
    "card.masked_detail": ("保存和展示前已替换", "replaced before saving or showing"),
    "card.negative": ("负面评论占比", "Negative comments"),
    "card.negative_detail": ("全部评论", "of all comments"),
    "card.top_word": ("低分评论第一关键词", "Top word of low scores"),
    "card.top_word_detail": ("出现在 {n} 条低分评论中", "in {n} low-score comments"),
    "plot.low_comments": ("低分评论", "low-score comments"), "plot.high_comments": ("高分评论", "high-score comments"),
    "plot.comments_using": ("使用该词的评论数", "comments using the word"),
    "plot.share_low": ("低分评论中的占比 %", "share of low-score comments %"),
    "plot.negative": ("负面", "negative"), "plot.neutral": ("中性", "neutral"), "plot.positive": ("正面", "positive"),
    "plot.share_comments": ("评论占比 %", "share of comments %"), "plot.mean_score": ("平均评分", "mean score"),
    "memo.what_changed": ("变化：", "What changed:"), "memo.where_lost": ("体验流失在哪里：", "Where experience is lost:"),
    "memo.next": ("下一步：", "What to do next:"),
    "memo.change_better": ("{metric} {period} 为 {value}，比 {previous} {diff}，是真实的改善",
                           "{metric} was {value} in {period}, {diff} on {previous}: a real improvement"),
    "memo.change_worse": ("{metric} {period} 为 {value}，比 {previous} {diff}，是真实的下滑",
                          "{metric} was {value} in {period}, {diff} on {previous}: a real decline"),
    "memo.change_noise": ("{metric} {period} 为 {value}（比 {previous} {diff}，在随机波动范围内）",
                          "{metric} was {value} in {period} ({diff} on {previous}, within chance)"),
    "memo.change_too_few": ("{metric} {period} 为 {value}（回答太少，不判断变化）",
                            "{metric} was {value} in {period} (too few answers to judge the change)"),
    "memo.no_periods": ("只有一个周期的数据，无法比较。", "Only one period of data: nothing to compare yet."),
    "memo.weakest": ("{dimension}“{group}”的{metric}为 {value}（区间 {low} 至 {high}），显著低于其他分组。",
                     "{dimension} “{group}” has {metric} {value} (interval {low} to {high}), below the rest beyond "
                     "chance."),
    "memo.no_weakest": ("没有哪个分组显著低于其他分组。", "No group is below the rest beyond chance."),
    "memo.owner": ("请“{group}”的负责人 {owner} 牵头改进", "{owner}, who owns “{group}”, to lead the next change"),
    "memo.no_owner": ("“{group}”尚未指定负责人（在参数 stage_owners 中填写）",
                      "“{group}” has no owner yet (set it in the stage_owners parameter)"),
    "memo.follow_up": ("自 {since} 起有 {n} 位低分客户需在 {hours} 小时内回访，其中 {overdue} 位已超时",
                       "{n} low scorers since {since} to call back within {hours} h, {overdue} of them past the "
                       "deadline"),
    "memo.nothing_to_do": ("暂无需要跟进的事项。", "Nothing needs following up."),
    # report notebooks
    "nb.no_tickets": ("*数据文件夹中没有工单表，工单相关部分已跳过。*",
                      "*There is no tickets table in the data folder, so the service-ticket sections are skipped.*"),
    "nb.pre_trend": ("前趋势检验（变更前各期差异均为零）：p = {p}", "Pre-trend test (all pre-change differences zero): p = {p}"),
}






def _table() -> dict[str, dict[str, str]]:
    out = {f"col.{k}": _both(*v) for k, v in _COLUMNS.items()}
    out |= {f"val.{k}": _both(*v) for k, v in _VALUES.items()}
    out |= {f"unit.{k}": _both(*v) for k, v in _UNITS.items()}
    out |= {k: _both(*v) for k, v in _WORDS.items()}
    out |= {k: _both(*v) for k, v in PROSE.items()}
    out |= {k: _both(*v) for k, v in LOOP.items()}  # issue 16
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
