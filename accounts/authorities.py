"""The authorities Rectify is seeded with: the ministry's bureau and the 31 provincial
communications administrations (ARCHITECTURE.md §15; sources in docs/AUTHORITIES.md).

Names are the administrations' own (工业和信息化部 lists them under 部属单位 / 地方通信管理局); codes
are the provinces' GB/T 2260 administrative division codes; the 机关代字 follows the pattern
``<province abbreviation>信管`` and is a starting point a national administrator corrects in the admin.
"""

# (code, full name, short name, 机关代字)
NATIONAL = ("100000", "工业和信息化部信息通信管理局", "工信部信管局", "工信部信管")

PROVINCES = (
    ("110000", "北京市通信管理局", "北京通信管理局", "京信管"),
    ("120000", "天津市通信管理局", "天津通信管理局", "津信管"),
    ("130000", "河北省通信管理局", "河北通信管理局", "冀信管"),
    ("140000", "山西省通信管理局", "山西通信管理局", "晋信管"),
    ("150000", "内蒙古自治区通信管理局", "内蒙古通信管理局", "蒙信管"),
    ("210000", "辽宁省通信管理局", "辽宁通信管理局", "辽信管"),
    ("220000", "吉林省通信管理局", "吉林通信管理局", "吉信管"),
    ("230000", "黑龙江省通信管理局", "黑龙江通信管理局", "黑信管"),
    ("310000", "上海市通信管理局", "上海通信管理局", "沪信管"),
    ("320000", "江苏省通信管理局", "江苏通信管理局", "苏信管"),
    ("330000", "浙江省通信管理局", "浙江通信管理局", "浙信管"),
    ("340000", "安徽省通信管理局", "安徽通信管理局", "皖信管"),
    ("350000", "福建省通信管理局", "福建通信管理局", "闽信管"),
    ("360000", "江西省通信管理局", "江西通信管理局", "赣信管"),
    ("370000", "山东省通信管理局", "山东通信管理局", "鲁信管"),
    ("410000", "河南省通信管理局", "河南通信管理局", "豫信管"),
    ("420000", "湖北省通信管理局", "湖北通信管理局", "鄂信管"),
    ("430000", "湖南省通信管理局", "湖南通信管理局", "湘信管"),
    ("440000", "广东省通信管理局", "广东通信管理局", "粤信管"),
    ("450000", "广西壮族自治区通信管理局", "广西通信管理局", "桂信管"),
    ("460000", "海南省通信管理局", "海南通信管理局", "琼信管"),
    ("500000", "重庆市通信管理局", "重庆通信管理局", "渝信管"),
    ("510000", "四川省通信管理局", "四川通信管理局", "川信管"),
    ("520000", "贵州省通信管理局", "贵州通信管理局", "黔信管"),
    ("530000", "云南省通信管理局", "云南通信管理局", "滇信管"),
    ("540000", "西藏自治区通信管理局", "西藏通信管理局", "藏信管"),
    ("610000", "陕西省通信管理局", "陕西通信管理局", "陕信管"),
    ("620000", "甘肃省通信管理局", "甘肃通信管理局", "甘信管"),
    ("630000", "青海省通信管理局", "青海通信管理局", "青信管"),
    ("640000", "宁夏回族自治区通信管理局", "宁夏通信管理局", "宁信管"),
    ("650000", "新疆维吾尔自治区通信管理局", "新疆通信管理局", "新信管"),
)


def seed_rows():
    """Every authority as the keyword arguments of its row (masthead and signature: the full name)."""
    yield {"level": "national", **_row(*NATIONAL)}
    for row in PROVINCES:
        yield {"level": "provincial", **_row(*row)}


def _row(code, name, short_name, doc_prefix):
    return {
        "code": code,
        "name": name,
        "short_name": short_name,
        "doc_prefix": doc_prefix,
        "masthead": name,
        "signature": name,
    }
