"""Reference data loaded by migration: districts (domain.md) and the role groups."""

# (code, name, kind). County-level codes are GB/T 2260; the functional zones carry the platform's own codes.
DISTRICTS = [
    ("500101", "万州区", "district"),
    ("500102", "涪陵区", "district"),
    ("500103", "渝中区", "district"),
    ("500104", "大渡口区", "district"),
    ("500105", "江北区", "district"),
    ("500106", "沙坪坝区", "district"),
    ("500107", "九龙坡区", "district"),
    ("500108", "南岸区", "district"),
    ("500109", "北碚区", "district"),
    ("500110", "綦江区", "district"),
    ("500111", "大足区", "district"),
    ("500112", "渝北区", "district"),
    ("500113", "巴南区", "district"),
    ("500114", "黔江区", "district"),
    ("500115", "长寿区", "district"),
    ("500116", "江津区", "district"),
    ("500117", "合川区", "district"),
    ("500118", "永川区", "district"),
    ("500119", "南川区", "district"),
    ("500120", "璧山区", "district"),
    ("500151", "铜梁区", "district"),
    ("500152", "潼南区", "district"),
    ("500153", "荣昌区", "district"),
    ("500154", "开州区", "district"),
    ("500155", "梁平区", "district"),
    ("500156", "武隆区", "district"),
    ("500229", "城口县", "county"),
    ("500230", "丰都县", "county"),
    ("500231", "垫江县", "county"),
    ("500233", "忠县", "county"),
    ("500235", "云阳县", "county"),
    ("500236", "奉节县", "county"),
    ("500237", "巫山县", "county"),
    ("500238", "巫溪县", "county"),
    ("500240", "石柱土家族自治县", "autonomous_county"),
    ("500241", "秀山土家族苗族自治县", "autonomous_county"),
    ("500242", "酉阳土家族苗族自治县", "autonomous_county"),
    ("500243", "彭水苗族土家族自治县", "autonomous_county"),
    ("CQ-LJ", "两江新区", "functional_zone"),
    ("CQ-GX", "西部科学城重庆高新区", "functional_zone"),
    ("CQ-WS", "万盛经开区", "functional_zone"),
]

# Role → permissions beyond what the role's scope gives. Editable afterwards in the admin (Groups).
ROLE_GROUPS = {
    "city_admin": ["core.unmask_pii"],
    "district_admin": ["core.unmask_pii"],
    "institution_admin": [],
    "auditor": [],
    "worker": [],
    "training_base": [],
    "evaluation_body": [],
}

# Configuration rows (edited in the Django admin) that the system administrator keeps (migration core 0005;
# the lists' synonyms, core.synonym, are given by core 0006, which creates them).
CONFIGURATION_MODELS = [
    "core.district",
    "registry.occupation",
    "conduct.evaluationdimension",
    "conduct.complaintchannel",
    "conduct.conductsettings",
    "credit.creditrule",
    "credit.creditfactor",
    "credit.creditband",
    "credit.dishonestysituation",
    "rankings.rankingmethod",
    "rankings.rankingindicator",
    "skills.skilllevel",
    "skills.equivalence",
    "skills.creditrule",
    "training.contentmodule",
    "skills.certificatevalidity",
    "training.trainingvalidity",
]


def _all_perms(models: list[str]) -> list[str]:
    return [
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label in models
        for action in ("add", "change", "delete", "view")
    ]


# Separation of duties (三员分立, MLPS level 3), loaded by migration core 0005. The system administrator keeps
# accounts and configuration; the security administrator gives roles, revokes API tokens, unlocks sign-ins and
# resets second factors; the audit administrator only reads the audit trail and the access logs. None of them
# sees a personal record (their scope is empty), and only the audit administrator reads the trail.
SEPARATED_DUTY_GROUPS = {
    "system_admin": [
        "core.add_user",
        "core.change_user",
        "core.view_user",
        *_all_perms(CONFIGURATION_MODELS),
    ],
    "security_admin": [
        "core.view_user",
        "core.change_user",
        "core.assign_roles",
        "core.manage_sign_in",
        "core.view_sign_in_failures",
        "core.view_apitoken",
        "core.change_apitoken",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.view_accessfailurelog",
    ],
    "audit_admin": [
        "core.view_audit_trail",
        "core.view_auditevent",
        "core.view_piiaccess",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
    ],
    "none": [],
}
# Lockouts are visible to the city administrators too (they answer the districts' calls).
CITY_ADMIN_EXTRA_PERMISSIONS = ["core.view_sign_in_failures"]

# (code, name, team, national occupation code), in the policy's words; new posts of the policy (R2) included.
# Other phrases for each (the policy's, officials', former names) are synonyms: core/synonym_data.py.
OCCUPATIONS = [
    ("care_worker", "养老护理员", "care", "4-10-01-05"),
    ("elder_care_adviser", "养老顾问", "care", ""),
    ("community_helper", "社区助老员", "care", ""),
    ("bathing_assistant", "老年助浴员", "care", ""),
    ("dementia_carer", "认知障碍照护员", "care", ""),
    ("ability_assessor", "老年人能力评估师", "professional", "4-14-02-05"),
    ("doctor", "医师", "professional", ""),
    ("nurse", "护士", "professional", ""),
    ("rehabilitation_therapist", "康复治疗师", "professional", ""),
    ("social_worker", "社会工作者", "professional", ""),
    ("dietitian", "营养师", "professional", ""),
    ("psychological_counsellor", "心理咨询师", "professional", ""),
    ("health_manager", "健康管理师", "professional", ""),
    ("director", "院长（机构负责人）", "management", ""),
    ("deputy_director", "副院长", "management", ""),
    ("professional_manager", "职业经理人", "management", ""),
    ("care_supervisor", "护理部主任", "management", ""),
    ("hr_manager", "人力资源管理", "management", ""),
    ("finance_manager", "财务管理", "management", ""),
    ("quality_manager", "质量管理", "management", ""),
    ("fire_safety_officer", "消防安全员", "support", ""),
    ("food_safety_officer", "食品安全员", "support", ""),
    ("cook", "厨师", "support", ""),
    ("property_staff", "物业人员", "support", ""),
    ("maintenance_technician", "设备维修员", "support", ""),
    ("it_administrator", "信息管理员", "support", ""),
    ("cleaner", "保洁员", "support", ""),
]
