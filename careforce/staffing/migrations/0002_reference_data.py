"""Reference rows: the post catalogue with its synonyms, the post requirements (*unverified* where no source
was at hand), the settings row, a baseline projection scenario, the district older-population figures of
domain.md with their sources, and the catalogue post of every existing employment (typed text kept)."""

from decimal import Decimal

from django.db import migrations

from careforce.core.vocabulary import match_key

# code, name, group, new post of the policy, synonyms
POSTS = [
    ("director", "院长", "management", False, ["机构负责人", "院长（机构负责人）", "养老院院长", "负责人"]),
    ("human_resources", "人力资源", "management", False, ["人事", "人力资源管理", "人事专员", "人事主管"]),
    ("finance", "财务", "management", False, ["会计", "出纳", "财务人员", "财务主管", "财务管理"]),
    ("quality", "质量", "management", False, ["质量管理", "质控", "质量管理员", "质控员"]),
    ("professional_manager", "职业经理人", "management", False, ["养老机构职业经理人", "运营经理"]),
    ("medical", "医疗", "professional", False, ["医生", "医师", "执业医师", "医疗人员"]),
    ("nursing", "护理", "professional", False, ["护士", "护师", "执业护士", "注册护士"]),
    ("rehabilitation", "康复", "professional", False, ["康复师", "康复治疗师", "康复治疗"]),
    ("social_work", "社会工作", "professional", False, ["社工", "社会工作者", "社工师", "社会工作师"]),
    ("nutrition", "营养", "professional", False, ["营养师", "膳食营养"]),
    ("psychology", "心理咨询", "professional", False, ["心理咨询师", "心理咨询员", "心理辅导"]),
    ("assessment", "老年人能力评估", "professional", False, ["老年人能力评估师", "能力评估师", "评估员"]),
    ("caregiver", "养老护理员", "skilled", False, ["护理员", "护工", "养老护理", "照护员", "生活照料员"]),
    ("care_advisor", "养老顾问", "skilled", True, ["养老服务顾问"]),
    ("community_helper", "社区助老员", "skilled", True, ["助老员", "社区助老"]),
    ("bathing", "老年助浴员", "skilled", True, ["助浴员", "助浴师"]),
    ("dementia_care", "认知障碍照护员", "skilled", True, ["失智照护员", "认知症照护员", "认知障碍照护"]),
    ("fire_safety", "消防安全", "support", False, ["消防安全管理员", "消防管理员", "消防安全员", "消防专管员"]),
    ("food_safety", "食品安全", "support", False, ["食品安全管理员", "食品安全员", "食安员"]),
    ("property", "物业保障", "support", False, ["物业", "物业管理", "物业人员", "后勤保障", "后勤"]),
    ("maintenance", "维修维护", "support", False, ["维修工", "维修员", "设备维修员", "电工", "设备维护"]),
    ("information", "信息管理", "support", False, ["信息管理员", "信息员", "网络管理员"]),
]

UNVERIFIED = "未核实默认值（domain.md：按等级的岗位要求未找到来源），请以正式文件替换"
# post, count, from star grade, from beds, public-service units only, source, verified
REQUIREMENTS = [
    ("director", 1, 0, 0, False, "《养老机构管理办法》（民政部令第66号）：设负责人", False),
    ("fire_safety", 1, 0, 0, False, "《养老机构管理办法》第三十五条：明确消防安全责任人 " + "（未核实）", False),
    ("food_safety", 1, 0, 50, False, UNVERIFIED, False),
    ("social_work", 1, 0, 100, False, "渝民发〔2024〕11号：每百张床位1名社会工作者（2027年目标）", False),
    ("nursing", 1, 3, 0, False, UNVERIFIED, False),
    ("assessment", 1, 3, 0, False, UNVERIFIED, False),
    ("quality", 1, 3, 0, False, UNVERIFIED, False),
    ("medical", 1, 4, 0, False, UNVERIFIED, False),
    ("rehabilitation", 1, 4, 0, False, UNVERIFIED, False),
    ("nutrition", 1, 5, 0, False, UNVERIFIED, False),
    ("psychology", 1, 5, 0, False, UNVERIFIED, False),
    # Public-service units (事业单位): professional posts as the main body.
    ("nursing", 2, 0, 0, True, "事业单位以专业技术岗位为主体（岗位数为未核实默认值）", False),
    ("social_work", 1, 0, 0, True, "事业单位以专业技术岗位为主体（岗位数为未核实默认值）", False),
    ("rehabilitation", 1, 0, 0, True, "事业单位以专业技术岗位为主体（岗位数为未核实默认值）", False),
]

CENSUS = "第七次全国人口普查（常住，2020-11-01）"
# district code, 60+, 65+, source
DISTRICT_POPULATION = [
    ("500112", 359_381, 265_095, CENSUS + "，年龄分组合计（chinacensus.org）"),
    ("500154", 274_028, 222_191, CENSUS + "，citypopulation.de 500154"),
    ("500110", 195_626, 154_312, CENSUS + "，綦江区普查公报（不含万盛，cqqj.gov.cn）"),
    ("500111", 188_941, 149_036, CENSUS + "，citypopulation.de 500111"),
    ("500151", 178_860, 143_739, CENSUS + "，铜梁区普查公报"),
    ("500115", 175_773, 142_093, CENSUS + "，长寿区普查公报"),
    ("500153", 167_770, 129_816, CENSUS + "，citypopulation.de 500153"),
    ("500120", 161_450, 125_890, CENSUS + "，citypopulation.de 500120"),
    ("500155", 160_990, 131_616, CENSUS + "，梁平区统计局普查公报（2021-09-01）"),
    ("500231", 159_410, 131_996, CENSUS + "，citypopulation.de 500231"),
    ("500237", 101_401, 82_205, CENSUS + "，citypopulation.de 500237"),
]
REGISTERED_2017 = [("500101", 379_700), ("500117", 369_800), ("500116", 359_200)]


def load(apps, schema_editor):
    Post = apps.get_model("staffing", "Post")
    PostRequirement = apps.get_model("staffing", "PostRequirement")
    StaffingSettings = apps.get_model("staffing", "StaffingSettings")
    Scenario = apps.get_model("staffing", "Scenario")
    Synonym = apps.get_model("core", "Synonym")
    District = apps.get_model("core", "District")
    OlderPopulation = apps.get_model("indicators", "OlderPopulation")
    Employment = apps.get_model("registry", "Employment")

    posts = {}
    keys = {}
    for order, (code, name, group, new, synonyms) in enumerate(POSTS, start=1):
        post, _created = Post.objects.get_or_create(
            code=code, defaults={"name": name, "group": group, "is_new_post": new, "sort_order": order * 10}
        )
        posts[code] = post
        keys[match_key(code)] = post
        keys[match_key(name)] = post
    for code, _name, _group, _new, synonyms in POSTS:
        for phrase in synonyms:
            key = match_key(phrase)
            keys.setdefault(key, posts[code])
            Synonym.objects.get_or_create(
                list_name="post", key=key, defaults={"entry": code, "phrase": phrase, "origin": "policy"}
            )
    for code, count, grade, beds, public_only, source, verified in REQUIREMENTS:
        PostRequirement.objects.get_or_create(
            post=posts[code],
            min_star_grade=grade,
            min_beds=beds,
            public_service_unit_only=public_only,
            defaults={"count": count, "source": source, "is_verified": verified},
        )
    StaffingSettings.objects.get_or_create(
        pk=1,
        defaults={
            "completeness_threshold": Decimal("90"),
            "part_time_weight": Decimal("0.5"),
            "source": "档案完整率阈值参照英国成人社会照护劳动力数据集（90 %）；兼职按0.5人计为未核实默认值",
        },
    )
    Scenario.objects.get_or_create(
        name="基准情景",
        defaults={
            "is_current": True,
            # 7.01 million aged 60+ (2020 census) → 8.01 million (end of 2024): about 3.4 % a year.
            "older_growth_per_year": Decimal("3.4"),
            "community_workers_per_1000": Decimal("2"),
            "home_workers_per_1000": Decimal("3"),
            "source": "增长率由全市60岁以上人口2020年701万、2024年末801万推算；社区和居家照护比例为未核实默认值",
            "is_verified": False,
        },
    )
    districts = dict(District.objects.values_list("code", "pk"))
    for code, aged_60, aged_65, source in DISTRICT_POPULATION:
        if code in districts:
            OlderPopulation.objects.get_or_create(
                district_id=districts[code],
                year=2020,
                defaults={"count": aged_60, "aged_65_plus": aged_65, "basis": "resident", "source": source},
            )
    for code, aged_60 in REGISTERED_2017:
        if code in districts:
            OlderPopulation.objects.get_or_create(
                district_id=districts[code],
                year=2017,
                defaults={"count": aged_60, "basis": "registered", "source": "重庆市2017年户籍老年人口统计"},
            )
    # Existing employments: the catalogue post their typed text names (the text itself is left as typed),
    # one UPDATE per distinct typed text, not one per row.
    typed = Employment.objects.filter(post_ref__isnull=True).exclude(post="").values_list("post", flat=True)
    for text in set(typed.order_by().distinct()):
        post = keys.get(match_key(text))
        if post is not None:
            Employment.objects.filter(post_ref__isnull=True, post=text).update(post_ref=post)

class Migration(migrations.Migration):
    dependencies = [
        ("staffing", "0001_initial"),
        ("registry", "0008_employment_post_ref"),
        ("indicators", "0009_older_population_basis_65"),
        ("core", "0009_merge_vocabulary"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
