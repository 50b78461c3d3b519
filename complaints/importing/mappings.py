"""Column mappings of complaint exports (docs/COMPLAINTS.md §2): which header of a platform's export
fills which field of a complaint, so that an export loads as the platform wrote it. Pure: no database.

A mapping names, for each field, the headers it accepts (the first present is read); ``required``
fields must have a header in the file, else the whole file is refused before any row is read.
"""

from dataclasses import dataclass, field

# The fields an import can fill (complaints.models.Complaint).
FIELDS = (
    "external_id",
    "received_on",
    "subject_name",
    "subject_kind",
    "subject_package",
    "subject_credit_code",
    "text",
    "text_more",
    "demand",
    "contact_name",
    "contact_email",
    "contact_phone",
)


@dataclass(frozen=True)
class Mapping:
    name: str
    channel: str
    label: str
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...] = ("external_id", "received_on", "subject_name", "text")
    # Words of a "kind" column, as the platform writes them, to SubjectKind values.
    kinds: dict[str, str] = field(default_factory=dict)


KIND_WORDS = {
    "app": "app",
    "APP": "app",
    "应用": "app",
    "移动应用": "app",
    "sdk": "sdk",
    "SDK": "sdk",
    "小程序": "mini_program",
    "mini_program": "mini_program",
    "mini program": "mini_program",
    "智能终端": "terminal",
    "终端": "terminal",
    "terminal": "terminal",
    "线下场景": "scenario",
    "线下": "scenario",
    "场所": "scenario",
    "scenario": "scenario",
}

HEIMAO = Mapping(
    name="heimao",
    channel="heimao",
    label="黑猫投诉",
    columns={
        "external_id": ("投诉编号",),
        "received_on": ("发布时间", "投诉时间"),
        "subject_name": ("投诉对象",),
        "text": ("投诉问题",),
        "text_more": ("投诉内容", "详细描述"),
        "demand": ("投诉要求",),
    },
)

CENTRE_12321 = Mapping(
    name="12321",
    channel="12321",
    label="12321",
    columns={
        "external_id": ("受理编号", "举报编号"),
        "received_on": ("受理时间", "举报时间"),
        "subject_name": ("被举报对象", "被举报对象名称"),
        "subject_kind": ("被举报对象类型", "对象类型"),
        "subject_package": ("应用包名", "包名"),
        "subject_credit_code": ("运营者统一社会信用代码", "统一社会信用代码"),
        "text": ("举报内容",),
        "contact_phone": ("举报人联系电话", "联系电话"),
        "contact_email": ("举报人电子邮箱", "电子邮箱"),
    },
    kinds=KIND_WORDS,
)

GENERIC = Mapping(
    name="generic",
    channel="other",
    label="Rectify",
    columns={f: (f,) for f in FIELDS if f != "text_more"},
    kinds=KIND_WORDS,
)

MAPPINGS = {m.name: m for m in (HEIMAO, CENTRE_12321, GENERIC)}


def header_index(mapping: Mapping, header: list[str]) -> dict[str, int]:
    """Field → column index for the headers of ``mapping`` found in ``header`` (stripped, BOM-free)."""
    cleaned = [str(h or "").strip().lstrip("\ufeff") for h in header]
    found = {}
    for name, accepted in mapping.columns.items():
        for candidate in accepted:
            if candidate in cleaned:
                found[name] = cleaned.index(candidate)
                break
    return found


def missing_required(mapping: Mapping, header: list[str]) -> list[str]:
    """The headers the file lacks for the mapping's required fields (the first accepted name each)."""
    found = header_index(mapping, header)
    return [mapping.columns[f][0] for f in mapping.required if f not in found]


def detect(header: list[str]) -> Mapping | None:
    """The mapping whose required headers are all in ``header`` (platform mappings first)."""
    for mapping in (HEIMAO, CENTRE_12321, GENERIC):
        if not missing_required(mapping, header):
            return mapping
    return None
