"""The Chinese name of every action code the event log holds.

Events store a stable technical code (`collection.ingest`); pages show the label
(ARCHITECTURE.md: every page is in Chinese). A code is never renamed once written, since
the hash chain covers it, so labels of codes no longer written stay here for old events.
tests/core/test_event_labels.py fails when code writes an action that has no label.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

ACTION_LABELS: dict[str, str] = {
    # -- configuration admin (core.admin_audit)
    "admin.add": "后台新增配置",
    "admin.change": "后台修改配置",
    "admin.delete": "后台删除配置",
    "admin.action": "后台其他操作",
    # -- core: calendar, identifiers
    "core.calendar_seed": "载入内置节假日",
    "core.calendar_import": "导入节假日安排",
    "core.calendar_year_create": "新增日历年度",
    "core.calendar_year_update": "修改日历年度",
    "core.calendar_year_delete": "删除日历年度",
    "core.workday_exception_create": "新增节假日调整",
    "core.workday_exception_update": "修改节假日调整",
    "core.workday_exception_delete": "删除节假日调整",
    "core.identifier_override_add": "认定校验例外代码",
    "core.identifier_override_remove": "撤销例外代码认定",
    # -- orgs
    "orgs.units_load": "导入单位名录",
    "orgs.unit_alias_add": "添加单位别名",
    "orgs.unit_create": "新增单位",
    "orgs.unit_change": "修改单位",
    "orgs.unitgroup_create": "新增单位分组",
    "orgs.unitgroup_change": "修改单位分组",
    "orgs.user_create": "创建用户账号",
    "orgs.user_set_role": "变更用户角色",
    "orgs.user_update": "修改账号资料",
    "orgs.user_deactivate": "停用账号",
    "orgs.user_reactivate": "恢复账号",
    "orgs.user_grant_unit": "授予单位数据查阅权",
    "orgs.user_revoke_unit": "收回单位数据查阅权",
    "orgs.system_account_create": "创建系统接入账号",
    "orgs.token_issue": "签发接口令牌",
    "orgs.token_revoke": "吊销接口令牌",
    # -- subjects
    "subjects.create": "新建信用主体",
    "subjects.add_identifier": "添加主体标识",
    "subjects.rename": "主体更名",
    "subjects.merge": "合并信用主体",
    "subjects.merged_into": "并入其他主体",
    "subjects.bulk_match": "批量匹配主体",
    # -- catalog
    "catalog.record_type_created": "新增目录信息类别",
    "catalog.record_type_updated": "修改目录信息类别",
    "catalog.policy_created": "新增公示期限规则",
    "catalog.policy_updated": "修改公示期限规则",
    "catalog.forbidden_matter_created": "新增不得纳入事项",
    "catalog.forbidden_matter_updated": "修改不得纳入事项",
    # -- collection
    "collection.ingest": "归集批次入库",
    "collection.ingest_unreadable": "归集文件无法读取",
    "collection.declare": "报送月度决定数量",
    "collection.check": "归集质量检查",
    "collection.deadlines_recalculate": "工作日历调整后重算报送期限",
    "collection.acknowledge_warning": "确认已阅预警",
    "collection.warning.explain": "提交预警情况说明",
    "collection.warning.review": "审核预警情况说明",
    "collection.warning.resolve": "预警情况消除，自动解除",
    "collection.warning.supersede": "预警情况变化，另行预警",
    "collection.spot_check.draw": "抽取月度抽查样本",
    "collection.spot_check.verdict": "登记抽查结论",
    "collection.spot_check.reply": "回复抽查整改情况",
    "collection.spot_check.confirm": "确认抽查整改完成",
    "collection.spot_check.return": "退回抽查整改",
    # -- records
    "records.corrected": "更正信用记录",
    "records.withdrawn": "撤回信用记录",
    "records.voided": "作废信用记录（录入错误）",
    "records.void_linked": "为作废记录关联正确记录",
    "records.withdrawal_deadlines_recalculate": "重算撤回期限（工作日历变化）",
    # -- publicity
    "publicity.window_computed": "计算公示期限",
    "publicity.batch_computed": "计算批次公示期限",
    "publicity.refreshed": "补算公示期限",
    "publicity.recomputed": "按现行规则重算公示期限",
    "publicity.ended": "结束公示",
    "publicity.restored": "恢复公示",
    "publicity.expired": "公示期满停止公示",
    # -- rights: notices, objections, repair
    "rights.notice.issue": "发出信用修复告知书",
    "rights.notice.serve": "送达信用修复告知书",
    "rights.attachment.download": "下载申请材料",
    "rights.objection.file": "提出异议申请",
    "rights.objection.forward": "异议转报送单位核查",
    "rights.objection.reply": "报送单位答复异议",
    "rights.objection.pause": "异议处理中止计时",
    "rights.objection.resume": "异议处理恢复计时",
    "rights.objection.decide": "作出异议处理决定",
    "rights.repair.apply": "申请信用修复",
    "rights.repair.complete": "确认修复材料齐全",
    "rights.repair.incomplete": "告知补正修复材料",
    "rights.repair.resubmit": "补正修复材料",
    "rights.repair.provider_review": "报送单位审核修复",
    "rights.repair.decide": "作出信用修复决定",
    "rights.repair.sync": "同步修复结果",
    # -- commitments
    "commitments.matter_create": "新增承诺事项",
    "commitments.matter_update": "修改承诺事项",
    "commitments.record": "登记信用承诺",
    "commitments.import": "导入信用承诺",
    "commitments.public_start": "发起主动公示承诺",
    "commitments.public_confirm": "确认主动公示承诺",
    "commitments.fulfil": "登记承诺履行情况",
    "commitments.flag_overdue": "标记承诺逾期未核查",
    "commitments.repair_commitment": "登记信用修复承诺",
    "commitments.repair_breach_restore": "违反修复承诺恢复公示",
    "commitments.repair_commitment_lapse": "修复未获准予，修复承诺失效",
    "commitments.repair_check_day_moved": "修复承诺核查期限随公示期限调整",
    "commitments.verify_due_settle": "工作日历载入后补算承诺核查期限",
    "commitments.verify_due_recalculate": "工作日历调整后重算承诺核查期限",
    # -- supervision
    "supervision.model.create": "新增信用评价模型",
    "supervision.grades.recompute": "重算全部信用等级",
    "supervision.grades.recompute_subjects": "重算主体信用等级",
    "supervision.external.add": "登记外部信用评价",
    "supervision.policy_create": "新增分级分类监管政策",
    "supervision.policy_update": "修改分级分类监管政策",
    "supervision.inspector_create": "新增执法检查人员",
    "supervision.inspector_active": "启用执法检查人员",
    "supervision.inspector_inactive": "停用执法检查人员",
    "supervision.conflict_declare": "登记检查回避",
    "supervision.conflict_withdraw": "撤销检查回避",
    "supervision.draw_create": "创建双随机抽查",
    "supervision.draw_run": "执行双随机抽取",
    "supervision.inspection_record": "登记抽查检查结果",
    # -- sanctions: lists, measures, checks, governance, dishonesty events
    "sanctions.list_type_create": "新增名单类型",
    "sanctions.list_type_update": "修改名单类型",
    "sanctions.entries_import": "导入上级名单",
    "sanctions.entry_propose": "拟列入名单",
    "sanctions.entry_serve_notice": "送达列入前告知",
    "sanctions.entry_effective": "列入名单生效",
    "sanctions.entry_remove": "移出名单",
    "sanctions.entry_cancel": "撤销列入名单",
    "sanctions.entry_link_objection": "关联名单异议",
    "sanctions.measure_created": "新增奖惩措施",
    "sanctions.measure_saved": "修改奖惩措施",
    "sanctions.matter_created": "新增奖惩事项",
    "sanctions.matter_saved": "修改奖惩事项",
    "sanctions.check_run": "联合奖惩核查",
    "sanctions.feedback_submitted": "报送奖惩反馈",
    "sanctions.feedback_reminded": "催报奖惩反馈",
    "sanctions.case_written": "撰写典型案例",
    "sanctions.case_published": "发布典型案例",
    "sanctions.target_set": "设定年度治理目标",
    "sanctions.governance_case_opened": "启动失信治理案件",
    "sanctions.governance_action_recorded": "登记治理工作",
    "sanctions.governance_case_closed": "办结失信治理案件",
    "sanctions.event_registered": "登记失信事件",
    "sanctions.event_assigned": "交办失信事件",
    "sanctions.event_handled": "登记失信事件处置",
    "sanctions.event_published": "公开失信事件处置",
    "sanctions.deadlines_settle": "工作日历载入后补算联合奖惩期限",
    "sanctions.deadlines_recalculate": "工作日历调整后重算联合奖惩期限",
    # -- finance (信易贷)
    "finance.rule_create": "新增白名单规则",
    "finance.rule_update": "修改白名单规则",
    "finance.screen": "筛选白名单",
    "finance.approve_credit": "信用办审核白名单",
    "finance.publish": "金融办审核发布白名单",
    "finance.return": "退回白名单",
    "finance.exclude": "剔出白名单候选",
    "finance.remove": "复核移出白名单",
    "finance.recheck_exclude": "复核剔出待发布白名单",
    "finance.export": "导出白名单",
    "finance.authorise_start": "发起查询授权",
    "finance.authorise_confirm": "确认查询授权",
    "finance.authorise_record": "登记书面查询授权",
    "finance.authorise_revoke_start": "发起撤销查询授权",
    "finance.authorise_revoke": "撤销查询授权",
    "finance.report_access": "银行查询信用报告",
    "finance.report_refused": "拒绝无授权查询",
    "finance.outcome_report": "银行报送融资结果",
    "finance.outcome_update": "更新融资结果",
    "finance.bank_view": "银行查看白名单企业",
    "finance.benchmark_set": "设定全市贷款增速",
    "finance.matchmaking_record": "登记银企对接活动",
    "finance.matchmaking_ledger_linked": "银企对接计入台账",
    # -- benefits (信易+)
    "benefits.scenario_create": "新增信易+场景",
    "benefits.scenario_update": "修改信易+场景",
    "benefits.check": "信易+资格核验",
    "benefits.check_refused": "拒绝银行信易+核验",
    # -- integrity (政务诚信)
    "integrity.organs_ensure": "补建机关本级主体",
    "integrity.body_register": "登记政府机构",
    "integrity.body_merged_listings": "合并主体后预警归属主管单位",
    "integrity.body_subject_merged": "政府机构随主体合并改挂",
    "integrity.alert_acknowledge": "签收政务诚信预警",
    "integrity.alert_resolve": "解除政务诚信预警",
    "integrity.scan_alerts": "补发政务诚信预警",
    "integrity.sxbzxr_listed": "机构列入失信被执行人",
    "integrity.sxbzxr_removed": "机构移出失信被执行人",
    "integrity.case_create": "新建政务失信案件",
    "integrity.case_step": "登记案件办理环节",
    "integrity.arrears_register": "登记拖欠账款",
    "integrity.arrears_payment": "登记欠款清偿",
    "integrity.arrears_status": "变更欠款案件状态",
    "integrity.commitment_record": "登记政府承诺",
    "integrity.commitment_assess": "评定政府承诺兑现",
    "integrity.complaint_file": "受理承诺投诉",
    "integrity.complaint_answer": "答复承诺投诉",
    "integrity.system_copy": "复制年度指标体系",
    "integrity.manual_score": "人工评分",
    "integrity.evaluate": "政务诚信评价计分",
    "integrity.indicatorsystem_save": "保存评价指标体系",
    "integrity.indicatorsystem_delete": "删除评价指标体系",
    "integrity.indicator_save": "保存评价指标",
    "integrity.indicator_delete": "删除评价指标",
    "integrity.governmentbody_save": "保存政府机构",
    "integrity.governmentbody_delete": "删除政府机构",
    # -- personnel (诚信档案)
    "personnel.person.register": "建立诚信档案",
    "personnel.person.transfer": "变更所在单位或职务",
    "personnel.item.add": "登记档案条目",
    "personnel.item.exempt": "容错免责",
    "personnel.item.revoke": "撤销档案条目",
    "personnel.item.object": "对档案条目提出异议",
    "personnel.import": "导入档案条目",
    "personnel.file.refused": "拒绝查阅诚信档案",
    "personnel.identity.start": "发起本人身份核验",
    "personnel.identity.confirm": "确认本人身份",
    "personnel.honour.nominate": "推荐诚信典型",
    "personnel.honour.decide": "评定诚信典型",
    "personnel.honour.withdraw": "撤销诚信典型称号",
    "personnel.filecategory.create": "新增档案类别",
    "personnel.filecategory.update": "修改档案类别",
    "personnel.honourkind.create": "新增诚信典型类别",
    "personnel.honourkind.update": "修改诚信典型类别",
    # -- reports
    "reports.issue": "出具信用报告",
    "reports.print": "打印信用报告",
    "reports.seal_key_rotated": "更换报告签章密钥",
    "reports.self_service.start": "发起自助查询报告",
    "reports.self_service.complete": "自助出具信用报告",
    "reports.purpose.create": "新增报告用途",
    "reports.matter.create": "新增报告应用事项",
    "reports.matter.publish": "公布报告应用事项",
    "reports.matter.unpublish": "撤下报告应用事项",
    # -- exchange
    "exchange.send": "向上级平台报送数据",
    "exchange.resend": "重新发送交换报文",
    "exchange.import": "导入平台回传文件",
    "exchange.record_returned": "市平台退回信用记录",
    # -- ledger (工作台账)
    "ledger.plan_loaded": "导入年度工作计划",
    "ledger.plan_copied": "复制年度工作计划",
    "ledger.rules_updated": "修改台账规则",
    "ledger.plan_item_created": "新增台账计划条目",
    "ledger.plan_item_edited": "修改台账计划条目",
    "ledger.target_deleted": "删除计划指标",
    "ledger.progress_reported": "报送工作进展",
    "ledger.report_reviewed": "审核进展报告",
    "ledger.activity_recorded": "登记工作活动",
    "ledger.warnings_issued": "发出台账预警",
    "ledger.supervision_opened": "发起督办",
    "ledger.instruction_given": "领导批示",
    "ledger.supervision_answered": "答复督办",
    "ledger.supervision_closed": "办结督办",
    "ledger.bulletin_drafted": "起草通报",
    "ledger.bulletin_commented": "填写通报点评",
    "ledger.bulletin_published": "发布通报",
}


# Target types that name no model; every other target type is "app_label.ModelName" and
# shows as the model's verbose_name.
TARGET_TYPE_LABELS: dict[str, str] = {
    "calendar_year": "日历年度",
    "workday_exception": "节假日调整",
    "publicity": "公示期限",
    "sanctions.typical_case": "典型案例",
}

# Keys of events' old/new values that are not a field of the event's target model
# (counts, summaries, values of a related object); a key that is a field of the target
# shows as the field's verbose_name. tests/security/test_chinese_labels.py fails when the
# demo writes a key that neither names.
FIELD_LABELS: dict[str, str] = {
    # -- shared: who, what, when
    "id": "编号",
    "code": "代码",
    "name": "名称",
    "active": "启用",
    "on": "日期",
    "start": "起始日期",
    "end": "截止日期",
    "period": "期间",
    "years": "年度",
    "from_year": "复制自年度",
    "status": "状态",
    "stage": "环节",
    "step": "办理环节",
    "step_on": "环节日期",
    "note": "说明",
    "text": "内容",
    "comment": "意见",
    "opinion": "审核意见",
    "reason": "理由",
    "reply": "答复内容",
    "source": "来源",
    "channel": "渠道",
    "reference": "业务编号",
    "severity": "失信程度",
    "model": "评价模型",
    "parameters": "抽取条件",
    "os_user": "操作系统用户",
    "confirmer": "确认人",
    "title": "标题",
    "due_on": "完成期限",
    "overdue": "已逾期",
    # -- related objects, by id or name
    "unit": "单位",
    "unit_id": "单位",
    "units": "单位",
    "subject": "信用主体",
    "subjects": "主体数",
    "body_id": "政府机构",
    "case_id": "案件",
    "alert_id": "预警",
    "alerts": "预警",
    "new_alerts": "新发预警",
    "batch_id": "归集批次",
    "policy_id": "公示期限规则",
    "check": "关联奖惩查询",
    "inspector": "执法检查人员",
    "assignment": "台账任务",
    "report": "进展报告",
    "authorisation": "查询授权",
    "list_type": "名单类型",
    "measures": "奖惩措施",
    "payment": "清偿情况",
    "answers": "核验结果",
    "effect": "处理结果",
    "sync": "同步情况",
    "draw_status": "抽查状态",
    "claim": "报送进展",
    "date_reason": "日期说明",
    "filed_on": "填报日期",
    "reported_on": "报告日期",
    "assigned_on": "交办日期",
    "opened_on": "启动日期",
    "published_on": "发布日期",
    "held_on": "举办日期",
    # -- publicity windows
    "starts_on": "公示起始日期",
    "ends_on": "公示截止日期",
    "ended_on": "停止公示日期",
    "end_reason": "停止公示原因",
    "repair_from": "可申请修复日期",
    "is_published": "正在公示",
    # -- flags
    "identifier_valid": "标识校验通过",
    "government": "申请人为机关",
    "counts_as_dishonesty": "计为失信",
    "repaired_record_restored": "已恢复公示的修复记录",
    "full_snapshot": "全量名单",
    "removal_withheld": "暂缓移出说明",
    # -- counts and lists of a run (import, check, send, recompute)
    "rows": "行数",
    "records": "记录数",
    "groups": "分组数",
    "published": "公示数",
    "created": "新建数",
    "created_ids": "新建编号",
    "updated": "更新数",
    "unchanged": "未变化数",
    "ended": "结束数",
    "ended_ids": "结束编号",
    "expired": "到期数",
    "expired_ids": "到期编号",
    "skipped": "跳过数",
    "rejected": "拒收数",
    "resolved": "解除数",
    "superseded": "被替代",
    "replaced": "替换数",
    "propagated": "同步方案数",
    "matched": "匹配数",
    "identifiers": "标识数",
    "name_conflicts": "名称不一致数",
    "materials": "申请材料数",
    "evidence": "佐证材料",
    "exceptions": "节假日调整数",
    "indicators": "指标数",
    "warnings": "预警数",
    "units_checked": "检查单位数",
    "sampled": "抽取条数",
    "pool_size": "对象库户数",
    "roster_size": "检查人员数",
    "frequency_at_run": "抽取时已达年度抽查频次的主体",
    "targets": "目标数",
    "tasks": "重点工作数",
    "assignments": "任务数",
    "listed": "列入白名单数",
    "rechecked_out": "复核剔出企业",
    "written": "写入数",
    "changed": "变动数",
    "grades": "各等级户数",
    "seconds": "耗时（秒）",
    "corrected_count": "更正记录数",
    "corrected_records": "更正记录",
    "taken_over_count": "接管记录数",
    "taken_over_records": "接管记录",
    "ingest": "入库结果",
    "units_created": "新增单位数",
    "units_updated": "更新单位数",
    "groups_created": "新增分组数",
    "groups_updated": "更新分组数",
    "aliases_added": "新增别名数",
    "aliases_moved": "调整别名数",
    # -- a unit's or group's aliases saved in the admin (orgs.admin), and one added
    "aliases": "别名",
    "alias": "别名",
    # -- exchange.send (exchange.services.SendResult)
    "transport": "发送方式",
    "expanded": "新生成报文数",
    "attempted": "本次发送数",
    "acknowledged": "已确认数",
    "sent": "已投递待回执数",
    "retrying": "待重试数",
    "failed": "失败数",
    "acks_collected": "收到回执数",
    "errors": "错误",
}

# The technical fallback some services write as target_repr: "collection.Batch 20".
_TECHNICAL_REPR = re.compile(r"([a-z][a-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*) (\S.*)")


def action_label(code: str) -> str:
    """The Chinese name of an action; an unknown code (an old or foreign one) is still
    shown, in brackets, so that the row is never blank."""
    code = str(code or "").strip()
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    return f"其他操作（{code}）" if code else "其他操作"


def _model_name(target_type: str) -> str | None:
    app_label, _, model_name = target_type.partition(".")
    if not app_label or not model_name:
        return None
    try:
        model = apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        return None
    return str(model._meta.verbose_name)


def _field_verbose_name(target_type: str, key: str) -> str | None:
    app_label, _, model_name = target_type.partition(".")
    if not app_label or not model_name:
        return None
    try:
        field = apps.get_model(app_label, model_name)._meta.get_field(key)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None
    # Reverse relations have no verbose_name; a field declared without one only has the
    # English name Django derives from the attribute.
    name = str(getattr(field, "verbose_name", "") or "")
    return name if name and not name.isascii() else None


def field_label(key: str, target_type: str = "") -> str:
    """The Chinese name of a key of an event's old/new values: the field's verbose_name
    when the target is a model that has the field, else the shared FIELD_LABELS; an
    unknown key is shown as stored, so that the row is never blank."""
    key = str(key)
    return _field_verbose_name(str(target_type or ""), key) or FIELD_LABELS.get(key) or key


def target_type_label(target_type: str) -> str:
    """The Chinese name of an event's target type; an unknown one is shown as stored."""
    target_type = str(target_type or "")
    return TARGET_TYPE_LABELS.get(target_type) or _model_name(target_type) or target_type


def target_text(target_type: str, target_id: str, target_repr: str) -> str:
    """What an event's object column shows: the stored description, except that the
    technical "app.Model id" becomes "<verbose_name> id" (报送批次 20); with no
    description, the type's name and the id."""
    text = str(target_repr or "").strip()
    match = _TECHNICAL_REPR.fullmatch(text)
    if match:
        name = _model_name(match[1])
        return f"{name} {match[2]}" if name else text
    if text:
        return text
    return " ".join(p for p in (target_type_label(target_type), str(target_id or "")) if p)
