"""The standing text of each kind of notice (NOTICE-FORMAT.md §1 and §3).

Each template fills a new draft; the drafter may edit the result until the notice is approved.
Paragraphs are separated by newlines. Legal documents are issued in Chinese whatever the
interface language, so these strings are deliberately not translated.
"""

from .models import NoticeKind, NoticeSeries

# The four instruments every notice cites (NOTICE-FORMAT.md §1, opening paragraph).
LEGAL_BASIS = (
    "《中华人民共和国个人信息保护法》《中华人民共和国网络安全法》"
    "《中华人民共和国电信条例》《电信和互联网用户个人信息保护规定》"
)

TITLES = {
    NoticeSeries.APP: "关于侵害用户权益行为的APP（SDK）通报",
    NoticeSeries.TERMINAL: "关于侵害用户权益行为的智能终端产品通报",
    NoticeSeries.SCENARIO: "关于侵害用户权益行为的线下消费场景通报",
    NoticeSeries.REMOVAL: "关于下架侵害用户权益APP名单的通报",
    NoticeSeries.ORDER: "关于责令限期整改侵害用户权益行为的通知",
}

ATTACHMENT_TITLES = {
    NoticeSeries.APP: "工业和信息化部通报存在问题的APP（SDK）名单",
    NoticeSeries.TERMINAL: "工业和信息化部通报存在问题的智能终端产品名单",
    NoticeSeries.SCENARIO: "工业和信息化部通报存在问题的线下消费场景名单",
    NoticeSeries.REMOVAL: "工业和信息化部下架侵害用户权益APP名单",
    NoticeSeries.ORDER: "",
}

PRODUCT_WORDS = {
    NoticeSeries.APP: "APP（SDK）",
    NoticeSeries.TERMINAL: "智能终端产品",
    NoticeSeries.SCENARIO: "线下消费场景",
    NoticeSeries.REMOVAL: "APP",
    NoticeSeries.ORDER: "产品",
}

OPENING = {
    NoticeKind.NAMING: (
        "为贯彻落实{campaign}工作部署，依据" + LEGAL_BASIS + "等法律法规，"
        "我部组织第三方检测机构对群众关注的{products}进行检查，并责令存在问题的企业限期整改。"
        "截至目前，尚有{count}款{products}未按要求完成整改，存在侵害用户权益行为（详见附件），现予以通报。"
    ),
    NoticeKind.REMOVAL: (
        "依据" + LEGAL_BASIS + "等法律法规，我部对前期通报的存在侵害用户权益行为的APP进行了复检。"
        "截至目前，尚有{count}款APP未按要求完成整改（详见附件），现予以通报，并依法组织下架。"
    ),
    NoticeKind.ORDER: (
        "依据" + LEGAL_BASIS + "等法律法规，{campaign}期间，我局组织第三方检测机构对你单位的产品进行了检测，"
        "发现存在以下侵害用户权益的问题。"
    ),
}

CLOSING = {
    NoticeKind.NAMING: ("上述{products}应按有关规定进行整改。整改落实不到位的，我部将依法依规组织开展相关处置工作。"),
    NoticeKind.REMOVAL: (
        "各应用分发平台应在本通报发布后立即组织对名单中的APP进行下架处理。"
        "相关企业完成整改并经复检合格后，方可重新上架。"
    ),
    NoticeKind.ORDER: ("逾期未整改或整改不到位的，我局将依法予以公开通报，并采取下架、停止接入、行政处罚等处置措施。"),
}

# 场景 as a notice prints it (the interface's labels are translated; the notice is Chinese).
SCENARIO_TYPES = {
    "qr_ordering": "扫码点餐",
    "face_entry": "入口人脸识别",
    "id_card_scan": "身份证件扫描",
    "membership": "会员注册",
    "parking": "停车与车牌识别",
    "wifi_portal": "Wi-Fi认证上网",
    "other": "其他",
}

HOW_TO_ANSWER = (
    "请登录下列整改答复平台（或扫描二维码），输入本通知所列案件编号和访问码关联本案，"
    "在线提交整改情况说明、整改后的版本号及证明材料。访问码仅可使用一次，请妥善保管。"
)


def paragraphs(text: str) -> tuple[str, ...]:
    """Split stored text into paragraphs: one per non-empty line."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def as_issued_by(text: str, *, authority) -> str:
    """The standing text as ``authority`` issues it (ARCHITECTURE.md §15): a provincial
    administration writes 我局 where the ministry writes 我部, and its own name where the ministry's
    attachment titles name 工业和信息化部."""
    if authority.is_national:
        return text
    return text.replace("我部", "我局").replace("工业和信息化部", authority.name)
