"""The improvement loop's texts, zh and en (issue 16; full keys: col.*, val.*, loop.*, nb.changes.*),
part of :data:`cxlab.i18n.TEXT`."""

__all__ = ["LOOP"]

#: (zh, en) by full key.
LOOP = {
    "col.change_id": ("变更", "change"), "col.title": ("标题", "title"), "col.owner": ("负责人", "owner"),
    "col.stage": ("环节", "stage"), "col.design": ("验证方式", "design"), "col.direction": ("预期方向", "direction"),
    "col.smallest_effect": ("最小有价值效应", "smallest effect worth having"),
    "col.effective": ("生效日期", "effective"), "col.as_of": ("数据截至", "as of"), "col.status": ("状态", "status"),
    "col.reason": ("原因", "reason"), "col.reason_text": ("说明", "why"), "col.status_text": ("状态", "status"),
    "col.answers_needed": ("所需回答数", "answers needed"), "col.expected_date": ("预计可下结论", "verdict expected"),
    "col.check_p_value": ("检查 p 值", "check p-value"), "col.previous_status": ("之前状态", "before"),
    "col.status_since": ("状态始于", "since"), "col.verified_on": ("验证通过于", "verified on"),
    "col.open_changes": ("进行中的变更", "open changes"), "col.changes": ("相关变更", "changes"),
    "col.gap": ("与最佳环节差距", "gap to the best stage"), "col.listed": ("名单人数", "listed"),
    "col.past_deadline": ("超时未回访", "past deadline"), "col.breach_share": ("超时占比 %", "breaches %"),
    "col.last_7_days": ("近 7 天", "last 7 days"), "col.source": ("来源", "source"),
    "col.dimension": ("维度", "dimension"), "col.ends": ("结束日期", "ends"), "col.primary": ("主要指标", "primary"),
    "val.waiting": ("等待数据", "waiting for data"), "val.verified": ("已验证", "verified"),
    "val.no_effect": ("未发现效果", "no effect found"), "val.harmful": ("有害", "harmful"),
    "val.inconclusive": ("无法定论", "inconclusive"), "val.ab": ("A/B 实验", "A/B experiment"),
    "val.rollout": ("分地区上线（双重差分）", "regional rollout (DiD)"),
    "val.everyone": ("全量上线（中断时间序列）", "change for everyone (ITS)"),
    "val.up": ("上升", "up"), "val.down": ("下降", "down"),
    "col.run_at": ("运行时间", "run at"), "col.changed": ("状态有变", "changed"),
    "val.excludes_zero": ("区间不含零", "interval excludes zero"),
    "val.excludes_smallest": ("区间排除最小有价值效应", "interval excludes the smallest effect"),
    "val.opposite": ("方向相反", "opposite direction"), "val.needs_more": ("需要更多回答", "needs more answers"),
    "val.too_few_answers": ("回答太少", "too few answers"), "val.not_started": ("尚未生效", "not started"),
    "val.srm": ("样本比例失衡", "sample-ratio mismatch"), "val.pre_trend": ("前趋势不同", "pre-trends differ"),
    "val.past_end": ("验证期已过", "past its end"), "val.answers_stopped": ("回答中断", "answers stopped"),
    "val.data_error": ("数据无法读取", "data error"),
    "val.inconsistent": ("各次结论不一致", "runs disagree"),
    "val.weakest_stage": ("最弱环节", "weakest stage"), "val.alert": ("预警", "alert"),
    "loop.reason.not_started": ("变更尚未生效（{effective}）。", "The change has not taken effect yet ({effective})."),
    "loop.reason.too_few_answers": ("回答太少（对照 {n_control}，实验 {n_treatment}），尚无法估计效应。",
                                    "Too few answers yet ({n_control} control, {n_treatment} treated) to estimate "
                                    "the effect."),
    "loop.reason.needs_more": ("区间仍包含零和最小有价值效应；按目前回答速度，预计 {expected_date} 前后可下结论"
                               "（约需每组 {answers_needed} 条回答）。",
                               "The interval still holds both zero and the smallest effect worth having; at the "
                               "current answer rate a verdict is expected around {expected_date} (about "
                               "{answers_needed} answers per group)."),
    "loop.reason.answers_stopped": ("两周以上没有新回答，数据不足以下结论：请检查数据来源或结束该变更的验证。",
                                    "No new answers for over two weeks and too few to decide: check the data "
                                    "feed, or close the change's verification."),
    "loop.reason.past_end": ("验证期结束（或将在结论之前结束），回答太少，无法定论：延长验证期或放宽最小有价值效应。",
                             "The test ends (or will end) before enough answers arrive: extend it, or revisit the "
                             "smallest effect worth having."),
    "loop.reason.srm": ("分组比例与设计不符（样本比例失衡，p = {p}）：先检查分配和记录，再看效应。",
                        "The arms do not hold the designed split (sample-ratio mismatch, p = {p}): check assignment "
                        "and logging before reading the effect."),
    "loop.reason.pre_trend": ("变更前两组走势已不同（前趋势检验 p = {p}），双重差分不可信：换对照单位或改用其他设计。",
                              "The groups already drifted apart before the change (pre-trend p = {p}), so DiD "
                              "cannot be trusted: pick other untreated units or another design."),
    "loop.reason.excludes_zero": ("区间不含零，方向符合预期，各项检查通过。",
                                  "The interval excludes zero in the expected direction and the checks pass."),
    "loop.reason.excludes_smallest": ("区间排除了最小有价值效应：此变更没有值得的效果，可以考虑下一个变更。",
                                      "The interval excludes the smallest effect worth having: no worthwhile "
                                      "effect; consider the next change."),
    "loop.reason.opposite": ("区间不含零，但方向与预期相反：此变更让指标变差，考虑撤回。",
                             "The interval excludes zero in the wrong direction: the change makes the metric "
                             "worse; consider rolling it back."),
    "loop.reason.data_error": ("无法读取数据：{detail}", "The data cannot be read: {detail}"),
    "loop.reason.inconsistent": ("本次的区间与之前各次运行的区间已不重叠，超出了随机波动能解释的范围：数据可能被修订过，或效应本身变了。请核对数据；如确有变化，请重新登记该变更（新的生效日期），从头开始验证。",
                                 "This run's interval no longer overlaps the earlier runs' beyond what chance explains: "
                                 "the data may have been revised, or the effect itself changed. Check the data; if it "
                                 "did change, register the change again (a new effective date) to verify it afresh."),
    "loop.caveat.everyone": ("（全量上线没有对照组：同期的其他变化和季节因素都会被算作此变更的效果。）",
                             " (A change for everyone has no control group: anything else that changed at the same "
                             "time, and the season, is counted as its effect.)"),
    "plot.effect_runs": ("各次运行的效应（始终有效区间）", "effect at each run (always-valid interval)"),
    "plot.smallest_effect": ("最小有价值效应", "smallest effect worth having"),
    "nb.changes.intro": ("改进闭环：每项登记的变更（`params/changes.yaml`）都有负责人，每次定时运行都会用始终有效区间重新验证，"
                         "多次查看也不会增加误判。报表不会自动登记变更，只会给出建议。",
                         "The improvement loop: every registered change (`params/changes.yaml`) has an owner and "
                         "is verified again at each scheduled run, with always-valid intervals so repeated looks "
                         "do not add false verdicts. Reports never register a change; they only suggest one."),
    "nb.changes.status": ("## 变更状态（按负责人）", "## Changes by owner and status"),
    "nb.changes.effects": ("## 各变更的效应", "## Each change's effect"),
    "nb.changes.history": ("## 状态历史", "## Status history"),
    "nb.changes.next": ("## 下一步：最需要改进的环节与建议", "## Next: the stages that most need a change, and suggestions"),
    "nb.changes.follow_up": ("## 闭环回访名单", "## The follow-up list"),
}
