"""Demo pilot programs, drawn from the source documents' facts (in our own words).

Dates are relative to the day the loader runs, so a freshly loaded demo always
shows one pilot in planning, running pilots (one with an overdue phase, one with a
missing monthly report) and a completed pilot with its review and roll-out
decision. Idempotent: pages that exist (by slug) are left alone.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from example_site.demo.core import ensure_block
from example_site.home.models import StandardPage
from wagtail_pilots.conf import pilots_settings
from wagtail_pilots.models import Unit
from wagtail_pilots.pilots import progress as rules
from wagtail_pilots.pilots.models import (
    IndicatorReading,
    PilotGroupMember,
    PilotIndexPage,
    PilotIndicator,
    PilotPhase,
    PilotProgramPage,
    PilotReportPage,
    PilotSite,
)


def _d(today, offset):
    return today + datetime.timedelta(days=offset)


def pilot_specs(today):
    """The demo pilots. Phase tuples: (name, start, due, completed, weight, progress,
    owner code, note); indicator tuples: (name, measure, baseline, target,
    direction, [values of successive readings])."""
    d = lambda n: _d(today, n)  # noqa: E731
    return [
        {
            "slug": "micro-insurance",
            "title": "乡村小额人身保险试点",
            "code": "SFX-JR-01",
            "status": "running",
            "lead": "JRB",
            "start": d(-110),
            "end": d(250),
            "missing_month": 1,  # the second monthly report was never published
            "summary": "面向农村低收入人群推广保费低、保障适度、理赔简便的小额人身保险，防止因意外伤害致贫返贫。",
            "background": (
                "<p>本县农业人口多、自然灾害多发，低收入农户抵御意外风险的能力弱。"
                "小额人身保险保单通俗、核保理赔简单，是用市场办法开展金融扶贫的有效手段。</p>"
                "<p>试点目标：在青石镇、河东乡两个乡镇先行，每个行政村聘请一名协办员，"
                "一年内使试点乡镇低收入农户参保率达到六成以上。</p>"
            ),
            "members": [
                ("张为民", "组长（县政府副县长）"),
                ("陈志强", "副组长兼办公室主任"),
                ("王建国", "成员（县民政局）"),
            ],
            "sites": [
                ("QSZ", "pilot"),
                ("HDX", "pilot"),
                ("QSZ-SQ", "demonstration"),
                ("RSBX", "responsible"),
                ("MZJ", "coordinating"),
            ],
            "phases": [
                (
                    "宣传发动",
                    -110,
                    -90,
                    -92,
                    10,
                    100,
                    "JRB",
                    "电视、广播、宣传单进村入户",
                ),
                ("聘请村级协办员", -95, -70, -72, 15, 100, "RSBX", "每个行政村一名"),
                ("集中承保签单", -70, 60, None, 45, 55, "RSBX", ""),
                ("理赔服务与回访", 0, 200, None, 30, 5, "RSBX", ""),
            ],
            "indicators": [
                ("低收入农户参保率", "%", 12, 60, "higher", [18, 31, 40]),
                ("理赔平均办结天数", "天", 20, 7, "lower", [16, 12, 10]),
            ],
        },
        {
            "slug": "urban-medical-assistance",
            "title": "城市医疗救助试点",
            "code": "SFX-MZ-03",
            "status": "running",
            "lead": "MZJ",
            "start": d(-80),
            "end": d(285),
            "summary": "建立民政、医保与定点医院的联动机制，对城市困难群众住院费用实行一站式即时结算。",
            "background": (
                "<p>城市低保对象和特困人员就医先垫付、后报销，往返奔波、负担重。</p>"
                "<p>试点目标：在城关镇先行，县人民医院作为定点医院，实现救助对象出院时"
                "“一站式”结算，自付比例明显下降。</p>"
            ),
            "members": [
                ("刘春梅", "组长（县民政局局长）"),
                ("李红", "成员（县医疗保障局）"),
            ],
            "sites": [
                ("CGZ", "pilot"),
                ("CGZ-DJ", "demonstration"),
                ("RMYY", "responsible"),
                ("YBJ", "coordinating"),
            ],
            "phases": [
                (
                    "建立联动机制",
                    -80,
                    -60,
                    -61,
                    20,
                    100,
                    "MZJ",
                    "民政、医保、医院三方协议",
                ),
                ("制订实施方案", -60, -45, -46, 20, 100, "MZJ", ""),
                (
                    "开通一站式结算窗口",
                    -45,
                    -7,
                    None,
                    30,
                    70,
                    "RMYY",
                    "信息系统对接未完成",
                ),
                ("运行评估", 0, 240, None, 30, 0, "YBJ", ""),
            ],
            "indicators": [
                ("即时结算人次占比", "%", 0, 90, "higher", [10, 35]),
                ("救助对象住院自付比例", "%", 38, 15, "lower", [35, 30]),
            ],
        },
        {
            "slug": "mutual-aid-fund",
            "title": "贫困村村级互助资金试点",
            "code": "SFX-NY-02",
            "status": "running",
            "lead": "NYJ",
            "start": d(-50),
            "end": d(315),
            "summary": "在贫困村设立由农户入股、村民自管的互助资金，为发展生产提供小额周转借款。",
            "background": (
                "<p>贫困农户贷款难、贷款贵，发展种养业缺少启动资金。</p>"
                "<p>试点在柳林镇高台村、双坪乡马家沟村开展，财政注资引导、农户自愿入股，"
                "借款不出村、用途限于生产。</p>"
            ),
            "members": [
                ("赵志刚", "组长（县农业农村局）"),
                ("陈志强", "成员（县金融办）"),
            ],
            "sites": [
                ("LLZ-GT", "pilot"),
                ("SPX-MJ", "pilot"),
                ("JRB", "coordinating"),
            ],
            "phases": [
                ("摸底与农户入股", -50, -20, -21, 25, 100, "NYJ", ""),
                ("选举理事会、监事会", -20, 10, None, 15, 60, "NYJ", ""),
                ("首批借款发放", 5, 90, None, 40, 0, "NYJ", ""),
                ("中期检查", 150, 180, None, 20, 0, "JRB", ""),
            ],
            "indicators": [
                ("入股农户数", "户", 0, 300, "higher", [120]),
                ("借款按期回收率", "%", 90, 98, "higher", []),
            ],
        },
        {
            "slug": "technical-transformation",
            "title": "中小企业技术改造试点",
            "code": "SFX-GX-01",
            "status": "completed",
            "lead": "GXJ",
            "start": d(-420),
            "end": d(-60),
            "cadence": "quarterly",
            "summary": "支持骨干企业更新设备、改进工艺，以点带面推动全县工业企业技术改造。",
            "background": (
                "<p>全县工业企业设备老化、能耗偏高，产品档次不高。</p>"
                "<p>选择恒源机械有限公司作为试点企业，县财政贴息、部门帮办，"
                "一年内完成生产线改造并总结可复制的做法。</p>"
            ),
            "members": [("周明", "组长（县工业和信息化局）")],
            "sites": [("HYJX", "pilot"), ("LLZ", "responsible")],
            "phases": [
                ("项目论证", -420, -380, -385, 15, 100, "GXJ", ""),
                ("设备采购与安装", -380, -250, -255, 45, 100, "HYJX", ""),
                ("试生产与工艺调整", -250, -120, -125, 25, 100, "HYJX", ""),
                ("验收与总结", -120, -60, -62, 15, 100, "GXJ", ""),
            ],
            "indicators": [
                ("单位产值能耗下降", "%", 0, 15, "higher", [6, 12, 17]),
                ("产品一次合格率", "%", 91, 98, "higher", [94, 97, 98.5]),
            ],
            "review": {
                "review_goals": "<p>试点之初确定三项目标：完成一条生产线改造、单位产值能耗下降15%、产品一次合格率达到98%。</p>",
                "review_results": "<p>三项目标全部完成，能耗下降17%，合格率98.5%；不足是设备安装比计划晚了约一个月，职工培训跟得不够紧。</p>",
                "review_causes": "<p>成功在于贴息资金及时到位、部门上门帮办；延误的原因是进口部件到货慢，事前对供货周期估计不足。</p>",
                "review_lessons": "<p>经验：先论证、再改造、边生产边调整；今后要把供货周期和培训计划写进实施方案，并在推广时由县工信局统一组织培训。</p>",
                "decision": "roll_out",
                "decision_offset": -30,
                "rollout_scope": "全县规模以上工业企业，分两批推开",
            },
        },
        {
            "slug": "remote-education",
            "title": "农村中小学远程教育试点",
            "code": "SFX-JY-04",
            "status": "planning",
            "lead": "JYJ",
            "start": d(30),
            "end": d(395),
            "summary": "通过卫星和网络把县城优质课程送到乡镇学校，缓解农村学校师资不足。",
            "background": (
                "<p>乡镇学校英语、音乐、美术等学科教师短缺，开不齐、开不足课程。</p>"
                "<p>计划在青石镇中心学校、柳林镇中心小学先行建设远程教室，"
                "与县城学校同步上课，一学年后评估推广。</p>"
            ),
            "members": [("孙丽", "组长（县教育局电教中心）")],
            "sites": [
                ("QSZ-ZX", "pilot"),
                ("LLZ-ZX", "pilot"),
                ("JYJ", "responsible"),
            ],
            "phases": [
                ("制订方案", -10, 20, None, 10, 60, "JYJ", ""),
                ("远程教室建设", 30, 120, None, 40, 0, "JYJ", ""),
                ("同步课堂开课", 120, 360, None, 50, 0, "JYJ", ""),
            ],
            "indicators": [
                ("每周同步课堂节数", "节", 0, 20, "higher", []),
            ],
        },
    ]


def _index(home):
    parent = home.get_children().filter(slug="pilots").first() or home
    index = PilotIndexPage.objects.child_of(parent).first()
    if index is None:
        index = PilotIndexPage(
            title="试点项目",
            slug="programs",
            intro="<p>全县正在开展和已经完成的改革试点，按状态、进度和牵头单位查看。</p>",
        )
        parent.add_child(instance=index)
        index.save_revision().publish()
    return index


def _month_reports(spec, pilot, indicators, today):
    """Monthly reports for every period already due, but the one left missing."""
    periods = rules.expected_report_periods(
        start=pilot.start_date,
        end=pilot.end_date,
        today=today,
        cadence=rules.CADENCE_MONTHLY,
        grace_days=pilots_settings.PILOT_REPORT_GRACE_DAYS,
    )
    reports = []
    reading_no = 0
    for number, period in enumerate(periods):
        if number == spec.get("missing_month"):
            continue
        start = max(period.start, pilot.start_date)
        end = min(period.end, pilot.end_date)
        readings = []
        for indicator, values in indicators:
            if reading_no < len(values):
                readings.append((indicator, end, values[reading_no]))
        reading_no += 1
        reports.append(
            {
                "slug": f"report-{start:%Y-%m}",
                "title": f"{pilot.title}{start.year}年{start.month}月工作月报",
                "kind": "monthly",
                "period_start": start,
                "period_end": end,
                "body": f"<p>{start.month}月，各试点单位按方案推进，"
                "本月完成情况和存在问题如下，指标数据见附表。</p>",
                "readings": readings,
            }
        )
    return reports


def _closed_reports(pilot, indicators):
    middle = pilot.start_date + (pilot.end_date - pilot.start_date) / 2
    values = [(indicator, values) for indicator, values in indicators if values]
    return [
        {
            "slug": "midterm",
            "title": f"{pilot.title}中期评估报告",
            "kind": "midterm",
            "period_start": pilot.start_date,
            "period_end": middle,
            "body": "<p>中期评估：设备改造基本按计划推进，部分进口部件到货延迟。</p>",
            "readings": [(i, middle, v[len(v) // 2]) for i, v in values],
        },
        {
            "slug": "final-summary",
            "title": f"{pilot.title}工作总结",
            "kind": "final",
            "period_start": pilot.start_date,
            "period_end": pilot.end_date,
            "body": "<p>试点全面完成，经验做法已形成推广方案，报县政府同意后在全县推开。</p>",
            "readings": [(i, pilot.end_date, v[-1]) for i, v in values],
        },
    ]


def _create_pilot(index, spec, units, today):
    phases = []
    for position, (name, start, due, done, weight, pct, owner, note) in enumerate(
        spec["phases"]
    ):
        phases.append(
            PilotPhase(
                sort_order=position,
                name=name,
                start_date=_d(today, start),
                due_date=_d(today, due),
                completed_on=_d(today, done) if done is not None else None,
                weight=weight,
                progress=pct,
                owner_unit=units.get(owner),
                note=note,
            )
        )
    review = dict(spec.get("review", {}))
    decision_offset = review.pop("decision_offset", None)
    pilot = PilotProgramPage(
        title=spec["title"],
        slug=spec["slug"],
        code=spec["code"],
        status=spec["status"],
        summary=spec["summary"],
        background=spec["background"],
        lead_unit=units.get(spec["lead"]),
        start_date=spec["start"],
        end_date=spec["end"],
        report_cadence=spec.get("cadence", rules.CADENCE_MONTHLY),
        decision_date=_d(today, decision_offset) if decision_offset else None,
        members=[
            PilotGroupMember(sort_order=i, name=name, role=role)
            for i, (name, role) in enumerate(spec["members"])
        ],
        sites=[
            PilotSite(sort_order=i, unit=units[code], role=role)
            for i, (code, role) in enumerate(spec["sites"])
            if code in units
        ],
        phases=phases,
        indicators=[
            PilotIndicator(
                sort_order=i,
                name=name,
                measure=measure,
                baseline=baseline,
                target=target,
                direction=direction,
            )
            for i, (name, measure, baseline, target, direction, _values) in enumerate(
                spec["indicators"]
            )
        ],
        **review,
    )
    index.add_child(instance=pilot)
    pilot.save_revision().publish()
    return pilot


def _create_reports(pilot, spec, today):
    saved = {i.name: i for i in pilot.indicators.all()}
    indicators = [(saved[row[0]], row[5]) for row in spec["indicators"]]
    if pilot.status in ("completed", "rolled_out", "stopped"):
        reports = _closed_reports(pilot, indicators)
    else:
        reports = _month_reports(spec, pilot, indicators, today)
    created = 0
    for report in reports:
        if pilot.get_children().filter(slug=report["slug"]).exists():
            continue
        page = PilotReportPage(
            title=report["title"],
            slug=report["slug"],
            kind=report["kind"],
            period_start=report["period_start"],
            period_end=report["period_end"],
            body=report["body"],
            readings=[
                IndicatorReading(indicator=indicator, date=date, value=value)
                for indicator, date, value in report["readings"]
            ],
        )
        pilot.add_child(instance=page)
        page.save_revision().publish()
        created += 1
    return created


@transaction.atomic
def load(*, home, stdout=None):
    today = timezone.localdate()
    index = _index(home)
    units = {u.code: u for u in Unit.objects.all()}
    new_pilots = new_reports = 0
    for spec in pilot_specs(today):
        pilot = (
            PilotProgramPage.objects.child_of(index).filter(slug=spec["slug"]).first()
        )
        if pilot is None:
            pilot = _create_pilot(index, spec, units, today)
            new_pilots += 1
            new_reports += _create_reports(pilot, spec, today)
    parent = index.get_parent().specific
    if isinstance(parent, StandardPage):
        ensure_block(
            parent,
            "pilot_list",
            {"heading": "试点项目进展", "status": "", "unit": None, "limit": 10},
            first=True,
        )
    if stdout is not None:
        stdout.write(f"  pilots: {new_pilots} new pilots, {new_reports} new reports")
    return index
