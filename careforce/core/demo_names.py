"""Word lists for the demo data: names, places and weights that make synthetic records look like Chongqing's.

Everything here is data for `careforce demo` (careforce/registry/demo.py); none of it describes real people
or real institutions.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Common surnames with their approximate share of the population (per mille), adjusted a little towards
# Chongqing (more 陈 刘 谭 冉 向 牟 than the national list).
SURNAMES: dict[str, float] = {
    "王": 71, "李": 70, "张": 67, "刘": 58, "陈": 52, "杨": 32, "黄": 24, "赵": 20, "吴": 20, "周": 19,
    "徐": 14, "孙": 13, "马": 12, "朱": 12, "胡": 12, "郭": 11, "何": 14, "林": 10, "高": 10, "罗": 12,
    "郑": 8, "梁": 8, "谢": 9, "宋": 7, "唐": 9, "许": 6, "韩": 6, "冯": 6, "邓": 8, "曹": 5,
    "彭": 7, "曾": 6, "肖": 6, "田": 6, "董": 5, "潘": 5, "袁": 6, "蔡": 4, "蒋": 6, "余": 6,
    "于": 3, "杜": 5, "叶": 4, "程": 4, "魏": 4, "苏": 4, "吕": 3, "丁": 3, "任": 4, "卢": 3,
    "姚": 3, "沈": 3, "钟": 3, "姜": 3, "崔": 2, "谭": 6, "陆": 2, "范": 3, "汪": 2, "廖": 4,
    "石": 3, "金": 2, "韦": 2, "贾": 2, "夏": 3, "付": 3, "方": 2, "邹": 3, "熊": 3, "白": 2,
    "孟": 2, "秦": 3, "邱": 2, "侯": 2, "江": 2, "尹": 2, "薛": 2, "闫": 1, "段": 2, "雷": 2,
    "龙": 2, "黎": 2, "史": 2, "陶": 2, "贺": 2, "毛": 2, "郝": 1, "顾": 1, "龚": 2, "邵": 1,
    "万": 2, "覃": 1, "武": 1, "钱": 1, "戴": 1, "严": 1, "莫": 1, "孔": 1, "向": 3, "常": 1,
    "冉": 2, "牟": 1, "文": 1, "聂": 1, "蒲": 1, "税": 0.4, "司马": 0.1, "欧阳": 0.3, "上官": 0.1,
}  # fmt: skip

# Given names. Workers born before about 1985 carry the names of their generation (秀英, 建华), younger ones
# the later fashions (欣怡, 浩然). A given name is one character or two; two-character names come either
# whole from the lists of common names or built from a first and a second character.
FEMALE_OLDER_NAMES = _words(
    "秀英 桂英 秀兰 玉兰 桂兰 秀珍 凤英 玉珍 玉英 兰英 淑华 秀芳 桂芳 秀华 素芳 素珍 德秀 永秀 春梅 冬梅 红梅 "
    "晓燕 小红 小琴 建英 丽华 丽萍 丽君 丽琼 红英 红霞 明芳 世琼 会琼 永琼 学琼 泽英 光琼 大英 小英 天秀 远芳 "
    "家秀 开英 碧英 碧华 碧琼 素琼 淑琼 群英 晓琴 晓梅 晓红 国琼 玉梅 玉霞 云华 春燕 海燕 雪梅 翠华 翠英 代英"
)
FEMALE_YOUNGER_NAMES = _words(
    "婷婷 欣怡 佳怡 梦瑶 思雨 雨欣 诗琪 晓雪 佳慧 秋月 春霞 文静 梦琪 倩倩 丹丹 晶晶 雪莲 玉洁 雨婷 紫涵 "
    "佳琪 艺涵 芮 静怡 可欣 美玲 晓丽 小芳 慧敏 海霞"
)
FEMALE_SINGLE = _words(
    "芳 丽 敏 静 燕 红 霞 萍 琴 英 华 梅 兰 琼 娟 艳 玲 莉 蓉 珍 娥 菊 慧 莹 洁 婷 雪 倩 颖 丹"
)
FEMALE_FIRST = _words("秀 桂 玉 淑 素 丽 红 春 晓 小 德 碧 明 雪 海 翠 文 佳 思 美 慧 凤 金 银 永 光")
FEMALE_SECOND = _words("英 兰 珍 芳 华 琼 梅 燕 霞 萍 琴 莲 娟 蓉 玲 菊 凤 丽 敏 艳 静 洁 容 群 秀")

MALE_OLDER_NAMES = _words(
    "建华 建国 国强 志强 志明 德明 永红 建平 建军 国华 明华 德华 光明 永福 文华 世华 家福 洪波 长春 长江 "
    "天福 开明 泽民 远华 学文 大军 小平 正华 明亮 国庆 红军 卫东 德全 世明 永生 光荣 兴华 代富 成林 中华"
)
MALE_YOUNGER_NAMES = _words(
    "浩然 宇航 俊杰 子轩 博文 天宇 家豪 志豪 一鸣 子豪 明轩 思远 梓豪 浩宇 俊熙 文博 宇轩 鹏飞 晨阳 嘉伟"
)
MALE_SINGLE = _words(
    "伟 勇 军 杰 强 磊 明 平 刚 斌 波 兵 林 涛 毅 峰 华 辉 超 成 东 亮 浩 宇 俊 博 鹏 飞 凯 鑫"
)
MALE_FIRST = _words("建 国 志 德 永 明 文 光 世 家 大 小 学 正 海 天 成 俊 宏 军 泽 开 长 兴 洪 代")
MALE_SECOND = _words("华 国 强 明 平 军 林 伟 勇 刚 斌 波 东 成 福 生 山 峰 涛 超 荣 忠 全 良 辉 贵 才")

# County-level units with a relative weight for how many institutions and workers they get: roughly the
# older population, raised for the big urban districts, lowered for the remote counties. Keys are the
# District codes of careforce/core/reference.py.
DISTRICT_WEIGHTS: dict[str, float] = {
    "500101": 230, "500102": 115, "500103": 95, "500104": 55, "500105": 140, "500106": 220,
    "500107": 230, "500108": 180, "500109": 85, "500110": 70, "500111": 75, "500112": 300,
    "500113": 175, "500114": 35, "500115": 65, "500116": 120, "500117": 110, "500118": 100,
    "500119": 50, "500120": 70, "500151": 60, "500152": 55, "500153": 60, "500154": 90,
    "500155": 50, "500156": 25, "500229": 12, "500230": 40, "500231": 50, "500233": 50,
    "500235": 60, "500236": 50, "500237": 28, "500238": 22, "500240": 25, "500241": 30,
    "500242": 30, "500243": 28, "CQ-LJ": 60, "CQ-GX": 35, "CQ-WS": 25,
}  # fmt: skip

# The statistical code that stands for a functional zone in ID numbers and credit codes.
ZONE_REGION = {"CQ-LJ": "500112", "CQ-GX": "500106", "CQ-WS": "500110"}

# Region codes of first registration outside Chongqing for migrant workers: Sichuan, Guizhou, Hubei,
# Hunan and Shaanxi counties near the city, with a weight.
MIGRANT_REGIONS: dict[str, float] = {
    "511623": 6, "511721": 6, "511923": 5, "511321": 5, "510722": 3, "511681": 3, "511702": 3,
    "511304": 2, "510921": 2, "511025": 2, "510104": 1,
    "520324": 3, "520330": 3, "520381": 2, "520326": 2, "520327": 1, "520102": 1, "520103": 1,
    "422802": 4, "422822": 3, "422823": 3, "422801": 2, "420527": 1, "420102": 1,
    "433101": 2, "430621": 1, "610702": 1, "612401": 1,
}  # fmt: skip

# Sichuan-era codes of Chongqing's districts (before 1997); people registered then often still carry them.
OLD_CHONGQING_REGIONS = ("510215", "510221", "510222", "510224", "510227", "510102", "510103")

# Streets and towns, for names like 沙坪坝区天星桥街道社区养老服务中心.
STREETS: dict[str, tuple[str, ...]] = {
    "500101": ("高笋塘", "太白", "牌楼", "双河口", "龙都", "周家坝", "沙河", "钟鼓楼", "百安坝"),
    "500102": ("敦仁", "崇义", "荔枝", "江北", "李渡", "龙桥", "马鞍"),
    "500103": ("解放碑", "七星岗", "大坪", "化龙桥", "石油路", "上清寺", "两路口", "菜园坝", "朝天门"),
    "500104": ("新山村", "跳磴", "春晖路", "八桥", "建胜", "九宫庙"),
    "500105": ("观音桥", "华新街", "五里店", "石马河", "大石坝", "寸滩", "郭家沱", "铁山坪"),
    "500106": ("天星桥", "小龙坎", "渝碚路", "磁器口", "井口", "詹家溪", "覃家岗", "童家桥", "土湾", "山洞"),
    "500107": ("杨家坪", "黄桷坪", "谢家湾", "石坪桥", "石桥铺", "二郎", "中梁山", "渝州路", "华岩"),
    "500108": ("南坪", "海棠溪", "龙门浩", "弹子石", "南山", "铜元局", "花园路", "涂山", "鸡冠石"),
    "500109": ("天生", "朝阳", "北温泉", "东阳", "龙凤桥", "歇马", "蔡家岗"),
    "500110": ("古南", "文龙", "三江", "通惠"),
    "500111": ("龙岗", "棠香", "龙滩子", "智凤"),
    "500112": ("双龙湖", "回兴", "龙溪", "龙山", "龙塔", "双凤桥", "仙桃", "两路", "宝圣湖"),
    "500113": ("鱼洞", "李家沱", "龙洲湾", "花溪", "南泉", "一品", "界石", "木洞"),
    "500114": ("城东", "城南", "城西", "正阳", "舟白"),
    "500115": ("凤城", "晏家", "江南", "渡舟", "菩提"),
    "500116": ("几江", "德感", "鼎山", "双福", "圣泉", "白沙"),
    "500117": ("合阳城", "钓鱼城", "南津街", "盐井", "草街"),
    "500118": ("中山路", "胜利路", "南大街", "茶山竹海", "大安"),
    "500119": ("东城", "南城", "西城"),
    "500120": ("璧城", "璧泉", "青杠", "来凤", "丁家"),
    "500151": ("巴川", "东城", "南城"),
    "500152": ("梓潼", "桂林"),
    "500153": ("昌元", "昌州", "广顺"),
    "500154": ("汉丰", "文峰", "云枫", "镇东"),
    "500155": ("梁山", "双桂"),
    "500156": ("凤山", "芙蓉"),
    "500229": ("葛城", "复兴"),
    "500230": ("三合", "名山"),
    "500231": ("桂溪", "桂阳"),
    "500233": ("忠州", "白公"),
    "500235": ("双江", "青龙", "人和"),
    "500236": ("永安", "鱼复", "夔门"),
    "500237": ("高唐", "龙门"),
    "500238": ("柏杨", "城厢"),
    "500240": ("南宾", "万安"),
    "500241": ("中和", "乌杨", "平凯"),
    "500242": ("桃花源", "钟多"),
    "500243": ("汉葭", "绍庆"),
    "CQ-LJ": ("礼嘉", "鸳鸯", "人和", "翠云", "大竹林"),
    "CQ-GX": ("西永", "曾家", "含谷", "金凤"),
    "CQ-WS": ("万东", "南桐", "东林"),
}

# Words in institution names (字号).
BRANDS = _words(
    "颐年 康乐 福寿 夕阳红 安康 颐和 松鹤 悦享 佳禾 仁爱 慈恩 长乐 乐龄 康馨 福缘 常青 锦绣 爱晚 寿康 和美 恒康 "
    "嘉益 瑞安 百龄 馨和 康宁 怡园 天伦 寿星 温馨 康泰 福康 晚晴 金色年华 同心 德善 孝亲 乐康 宜居 泰和 椿萱 "
    "安怡 慈航 长青 鹤年 如意 颐乐 康福 嘉年 善德"
)

INSTITUTION_PATTERNS = (  # (pattern, credit-code prefix)
    ("重庆市{district}{brand}养老院", "52"),
    ("{district}{brand}养老院", "52"),
    ("重庆{brand}康养中心", "52"),
    ("重庆{brand}老年公寓", "52"),
    ("{district}{brand}护理院", "52"),
)
PUBLIC_INSTITUTION_PATTERNS = (
    ("{district}社会福利院", "12"),
    ("{district}{street}敬老院", "12"),
    ("{district}{street}中心敬老院", "12"),
    ("{district}失能特困人员集中照护中心", "12"),
)
COMMUNITY_PATTERNS = (
    ("{district}{street}街道社区养老服务中心", "52"),
    ("{street}社区养老服务站", "52"),
    ("{district}{street}街道日间照料中心", "52"),
)
# Counties have towns (镇) as well as streets.
COUNTY_COMMUNITY_PATTERNS = (
    *COMMUNITY_PATTERNS,
    ("{district}{street}镇养老服务中心", "52"),
    ("{district}{street}镇农村互助养老点", "52"),
)
HOME_CARE_PATTERNS = (
    ("重庆{brand}居家养老服务有限公司", "91"),
    ("重庆市{district}{brand}养老服务有限公司", "91"),
    ("重庆{brand}家庭服务有限公司", "91"),
)

END_REASONS = ("辞职", "合同到期", "家庭原因", "身体原因", "返乡", "个人发展")
TRANSFER_REASON = "调动"
