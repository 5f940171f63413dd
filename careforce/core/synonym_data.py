"""The synonyms every reference list starts with (loaded by core migration 0006; administrators add more).

list → entry code → [(phrase, origin)]. Origins: "policy" — the wording of 渝民发〔2024〕11号 (the policy,
/work/shared/seed/), "official" — variants officials write on rosters, "old_label" — a label the list had
before it followed the policy (so that old rosters and exports still import). The labels themselves (the
entry's name, its English name, its national code) match without being listed here.
"""

P, V, L = "policy", "official", "old_label"  # policy, variant, former label

SYNONYMS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "source_channel": {
        "related_graduate": [
            ("职业院校相关专业毕业生", P),
            ("高等院校和职业院校相关专业毕业生", V),
            ("养老服务相关专业毕业生", V),
            ("养老护理专业毕业生", V),
            ("医疗护理专业毕业生", V),
            ("对口专业毕业生", V),
        ],
        "rural_migrant": [
            ("农村转移劳动力", L),
            ("农村转移劳动者", V),
            ("农民工", V),
            ("进城务工人员", V),
        ],
        "registered_unemployed": [("登记失业人员", L), ("城镇失业人员", V), ("失业人员", V)],
        "lifted_from_poverty": [("脱贫户", V), ("脱贫人员", V), ("脱贫劳动力", V), ("建档立卡脱贫人口", V)],
        "relapse_monitored": [("返贫监测对象", V), ("防返贫监测对象", V), ("监测对象", V)],
        "unemployed_graduate": [
            ("高校毕业生", P),
            ("未就业高校毕业生", L),
            ("离校未就业毕业生", V),
            ("未就业毕业生", V),
        ],
        "housekeeping_transfer": [
            ("家政物业转岗", V),
            ("家政、物业等人才转岗", P),
            ("家政、物业从业人员转岗", L),
            ("家政、物业转岗人员", V),
            ("家政转岗人员", V),
            ("物业转岗人员", V),
        ],
        "retired_medical": [
            ("退休医生", P),
            ("退休护士", V),
            ("退休医护人员", L),
            ("退休医务人员", V),
        ],
        "younger_old": [("健康低龄老年人", L), ("低龄老年人", V), ("低龄老人", V)],
        "introduced_talent": [("人才引进", P), ("市外引进人才", L), ("市内外引进人才", V)],
        "trainee_post": [
            ("就业见习岗位", P),
            ("就业见习", P),
            ("见习岗位人员", L),
            ("见习人员", V),
        ],
        "other": [("其它", V)],
    },
    "occupation": {
        "care_worker": [("护理员", V), ("养老护理人员", V)],
        "community_helper": [("助老员", V)],
        "bathing_assistant": [("助浴师", L), ("助浴员", V)],
        "dementia_carer": [("认知症照护员", L), ("失智照护员", V), ("认知障碍照护师", V)],
        "ability_assessor": [
            ("老年人能力评估员", P),
            ("老年人能力评估人员", P),
            ("能力评估师", V),
            ("能力评估员", V),
        ],
        "doctor": [("医生", P), ("医疗", P), ("执业医师", V)],
        "nurse": [("执业护士", V), ("护师", V)],
        "rehabilitation_therapist": [("康复", P), ("康复师", V), ("康复治疗士", V)],
        "social_worker": [
            ("社会工作", P),
            ("养老服务社会工作者", P),
            ("社会工作专业人才", P),
            ("社工", V),
            ("社会工作师", V),
            ("助理社会工作师", V),
        ],
        "dietitian": [("营养", P), ("老年营养师", V), ("公共营养师", V)],
        "psychological_counsellor": [("心理咨询", P), ("心理咨询员", V)],
        "director": [
            ("院长", P),
            ("养老院院长", P),
            ("养老服务机构负责人", P),
            ("机构负责人", V),
            ("养老机构负责人", V),
            ("负责人", V),
        ],
        "care_supervisor": [("护理主管", V)],
        "hr_manager": [("人力资源", P), ("人力资源管理人员", V), ("人事管理", V)],
        "finance_manager": [("财务", P), ("财务人员", V), ("会计", V)],
        "quality_manager": [("质量", P), ("质量管理人员", V)],
        "fire_safety_officer": [("消防安全", P), ("消防安全管理员", V)],
        "food_safety_officer": [("食品安全", P), ("食品安全管理员", V)],
        "cook": [("炊事员", V), ("厨工", V)],
        "property_staff": [("物业保障", P), ("物业服务人员", V)],
        "maintenance_technician": [("维修维护", P), ("维修工", V), ("维修人员", V)],
        "it_administrator": [("信息管理", P), ("信息管理人员", V)],
        "cleaner": [("保洁", V), ("清洁工", V)],
    },
    "team": {
        "care": [("养老护理人才队伍", P), ("养老护理", P), ("护理人才", V)],
        "professional": [("专业技术人才队伍", P), ("专业技术", P), ("专业技术人员", V)],
        "management": [("养老管理人才队伍", P), ("经营管理", P), ("管理人员", V), ("管理人才", V)],
        "support": [("工勤技能", P), ("工勤岗位", P), ("工勤技能人员", V), ("后勤人员", V)],
    },
    "education": {
        "junior_high": [("初中", V), ("小学", V), ("文盲", V)],
        "senior_high": [("高中", V), ("中专", V), ("职高", V), ("技校", V), ("中职", V)],
        "college": [("专科", V), ("高职", V), ("大学专科", V)],
        "bachelor": [("大学本科", V), ("学士", V), ("职业本科", P)],
        "postgraduate": [("硕士", V), ("博士", V), ("硕士研究生", V), ("博士研究生", V)],
    },
    "hukou_type": {
        "urban": [("城镇户口", V), ("非农业", V), ("非农业户口", V), ("城市", V), ("城镇户籍", V)],
        "rural": [("农业", V), ("农业户口", V), ("农村户口", V), ("乡村", V), ("农村户籍", V)],
    },
    "skill_level": {
        "apprentice": [("学徒", P)],
        "junior": [("初级", V), ("五级/初级工", V)],
        "intermediate": [("中级", V), ("四级/中级工", V)],
        "senior": [("高级", V), ("三级/高级工", V)],
        "technician": [("二级/技师", V)],
        "senior_technician": [("一级/高级技师", V)],
    },
    # careforce/conduct: words officials and families write (the evaluations', complaints' and penalties' lists)
    "evaluator_kind": {
        "elder": [("老人", V), ("老年人", V), ("服务对象", V), ("本人", V)],
        "family": [("家属", V), ("家人", V), ("子女", V)],
    },
    "complaint_channel": {
        "hotline": [("12345热线", V), ("12345", V), ("投诉电话", V), ("热线电话", V)],
        "letters_visits": [("来信来访", V), ("信访件", V)],
        "online": [("网络投诉", V), ("网上信访", V)],
        "in_person": [("当面投诉", V)],
        "supervision": [("督导检查", V), ("检查发现", V)],
        "other": [("其它", V)],
    },
    "penalty_kind": {
        "warning": [("警告", V)],
        "fine": [("罚款", V)],
        "dismissal": [("辞退", V), ("解聘", V), ("开除", V)],
        "trade_ban": [("禁业", V), ("从业禁止", V), ("行业禁入", V)],
    },
}
