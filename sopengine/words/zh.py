"""The operators' words in Chinese: the default catalogue, and the one every other must match
(same keys, same ``{fields}``)."""

WORDS: dict[str, str] = {
    # where an action stands, as operators read it
    "state.planned": "未到时间", "state.due": "待处理", "state.retrying": "重试中", "state.overdue": "已逾期",
    "state.done": "已完成", "state.sent": "已发送", "state.skipped": "已跳过", "state.missed": "已错过",
    "state.failed": "失败", "state.cancelled": "已取消",
    # the workspace's sections
    "section.now": "现在", "section.overdue": "已逾期", "section.attention": "需要处理", "section.next": "稍后",
    "section.done": "今日已完成",
    # what to do (kinds' instructions)
    "instruction.paste": "复制下面的文字发到群里",
    "instruction.mention_all": "{instruction}（发送时 @所有人）",
    "instruction.mention": "{instruction}（发送时 {names}）",
    "instruction.unusable": "⚠️ 这条任务无法生成，请联系运营负责人修正后重试（sopengine retry）",
    "instruction.cannot_render": "无法生成内容：{reason}",
    "red_packet.send": "发拼手气红包：总金额 ¥{amount}，{count} 个，祝福语「{blessing}」",
    "red_packet.announce": "发送红包预告",
    "survey.send": "发送问卷（题目已编号）",
    "rename.to": "把群名改为「{name}」",
    "cleanup.remove": "把下面 {count} 位成员移出群聊（群聊信息 → 删除成员）",
    "dissolution.notice": "发布解散通知（复制下面的文字发到群里）",
    "dissolution.grey_avatar": "把群主头像换成灰色头像",
    "dissolution.dissolve": "解散群聊：群聊信息 → 解散群聊",
    # a task's details, labelled
    "detail.amount": "总金额（元）", "detail.count": "红包个数", "detail.blessing": "祝福语", "detail.title": "问卷标题",
    "detail.name": "新群名", "detail.members": "人数", "detail.amount_short": "金额", "detail.count_short": "个数",
    # kinds and their parts
    "kind.message": "消息", "kind.morning_post": "早报", "kind.topic": "话题", "kind.rules": "群规", "kind.task": "任务",
    "kind.red_packet": "红包", "kind.red_packet.announce": "红包·预告", "kind.red_packet.send": "红包·发红包",
    "kind.survey": "问卷", "kind.recognition": "表彰", "kind.cleanup": "清理成员", "kind.rename": "改群名", "kind.dissolution": "解散",
    "kind.dissolution.notice": "解散·解散通知", "kind.dissolution.grey_avatar": "解散·灰色头像",
    "kind.dissolution.rename": "解散·改群名", "kind.dissolution.dissolve": "解散·解散群",
    # lists
    "sep.items": "、", "sep.groups": "；",
    # who
    "who.nobody": "（未分配）", "who.automatic": "（自动发送）", "who.lead": "负责人",
    # what automatic channels post for work a person must do
    "note.mark": "【运营操作】", "note.needs_person": "需要运营手动完成", "note.continued": "（续 {n}/{of}）",
    # days
    "stage.core": "核心", "stage.new": "新人", "stage.silent": "沉默", "stage.active": "活跃",
    "weekday.1": "周一", "weekday.2": "周二", "weekday.3": "周三", "weekday.4": "周四", "weekday.5": "周五",
    "weekday.6": "周六", "weekday.7": "周日", "date.month_day": "{month}月{day}日",
    # reports
    "report.title": "执行报告", "report.all": "全部", "report.total": "合计",
    "report.assigned": "应执行", "report.done": "完成", "report.on_time": "准时", "report.late": "迟到",
    "report.overdue": "逾期未做", "report.missed": "错过", "report.failed": "失败", "report.skipped": "跳过",
    "report.open": "进行中", "report.execution_rate": "执行率", "report.on_time_rate": "准时率",
    "report.median_delay": "延迟中位数（分钟）", "report.zero": "（{names}：均为 0）",
    "report.by.operator": "运营", "report.by.sop": "SOP", "report.by.group": "群", "report.by.day": "日期",
    "report.note": "按{by}统计。执行率 = 完成 / 应执行；准时率 = 准时完成 / 应执行（准时：在宽限期内完成）。",
    "report.chart.days": "每日执行情况", "report.chart.operators": "各运营执行情况",
    "report.chart.on_time": "准时完成", "report.chart.late": "迟到完成", "report.chart.not_done": "未完成",
    "report.chart.skipped": "跳过",
    # notices to operators
    "notices.title": "给运营的通知", "notices.notice": "通知", "notices.how": "情况", "notices.summary": "通知：{parts}",
    "notices.kind.digest": "每日任务清单", "notices.kind.reminder": "任务提醒", "notices.kind.escalation": "逾期通知",
    "notices.state.sent": "已发", "notices.state.cancelled": "取消", "notices.state.failed": "失败",
    "notices.state.missed": "错过", "notices.state.retrying": "重试中", "notices.state.due": "发送中",
    "notices.state.planned": "待发",
    "notices.digest": (
        "☀️ {{ operator }}，{{ date }} 有 {{ count }} 项社群任务：\n"
        "{% for t in tasks %}{{ t.time }} {{ t.group }} · {{ t.label }}\n{% endfor %}"
        "{% if workspace_url %}打开工作台：{{ workspace_url }}{% endif %}"),
    "notices.reminder": (
        "⏰ {{ operator }}，{{ minutes }} 分钟后（{{ time }}）有 {{ count }} 项任务要做：\n"
        "{% for t in tasks %}{{ t.group }} · {{ t.label }}{% if t.link %} {{ t.link }}{% endif %}\n{% endfor %}"
        "做完请在工作台点 ✓"),
    "notices.escalation": (
        "⚠️ {{ count }} 项社群任务已逾期未确认：\n"
        "{% for p in people %}{{ p.name }}：\n"
        "{% for t in p.tasks %}  {{ t.time }} {{ t.group }} · {{ t.label }}\n{% endfor %}{% endfor %}"
        "{% if workspace_url %}团队视图：{{ workspace_url }}/lead{% endif %}"),
    # task sheets (sopengine tasks)
    "sheet.time": "时间", "sheet.operator": "运营", "sheet.group": "群", "sheet.what": "做什么",
    "sheet.copy_text": "复制文字", "sheet.state": "状态", "sheet.note": "说明", "sheet.no_tasks": "今天没有任务。",
    "sheet.copy": "复制", "sheet.copied": "已复制", "sheet.title": "运营任务单 {day}", "sheet.name": "任务单 {day}",
    # plan tables and calendars
    "plan.date": "日期", "plan.time": "时间", "plan.group": "群", "plan.day": "天", "plan.step": "步骤",
    "plan.kind": "类型", "plan.text": "内容", "plan.actions": "动作", "plan.groups": "群", "plan.when": "[若 {when}] {text}",
    "ics.when": "条件：{when}",
    # the workspace's pages
    "page.title": "运营工作台", "page.my_tasks": "我的任务", "page.team": "团队", "page.yesterday": "‹ 昨天",
    "page.today": "今天", "page.tomorrow": "明天 ›", "page.no_tasks": "这一天没有你的任务。",
    "page.more_tasks": "另有 {hidden} 条未显示（每页最多显示 {shown} 条）。",
    "page.copy_text": "复制文字", "page.copy_link": "复制链接", "page.copy_page": "复制小程序路径", "page.save_image": "长按或点击保存图片，再发到群里", "page.copied": "已复制 ✓", "page.confirmed": "✓ {who} 于 {time} 确认",
    "page.done": "✓ 完成", "page.done_label": "完成", "page.skip": "跳过", "page.skip_reason": "跳过原因",
    "page.skip_confirm": "确认跳过", "page.undo": "撤销确认", "page.retry": "重试",
    "page.calendar": "群日历 · {name}", "page.earlier": "‹ 前一周", "page.later": "后一周 ›",
    "page.members": "成员 {n}", "page.active": "活跃 {n}", "page.messages": "消息 {n}", "page.joins": "入群 {n}",
    "page.nothing_planned": "这段时间没有安排。", "page.team_today": "团队 {day}", "page.team_heading": "团队今日",
    "page.operator": "运营", "page.open": "待办", "page.overdue": "逾期", "page.done_count": "完成",
    "page.execution_today": "今日执行", "page.needs_attention": "需要处理", "page.nothing_needing": "没有需要处理的任务。",
    "page.calendars": "群日历", "page.more_groups": "另有 {n} 个群未列出。",
    "page.bad_link": "链接无效或已过期，请向运营负责人要新的链接。",
    "page.need_link": "请用运营负责人发给你的个人链接打开工作台。", "page.skip_needs_reason": "跳过需要填写原因",
    # operators' links
    "operators.link": "{name}（{id}）的工作台链接：", "operators.expires": "有效期至 {when}",
}
