"""The legal basis of a violation type in Chinese statute form, for the official text of an order.

The taxonomy (``ViolationType.legal_basis``, seeded from the reference table) writes its citations
in a short working form: ``PIPL arts. 13, 14, 17; Cybersecurity Law art. 41 (2016 numbering);
MIIT Order No. 24 art. 9; 164号文; 认定方法 三``. That form is what the English interface shows; an
official letter cites the instruments by their full Chinese titles and numbers the articles in
Chinese (NOTICE-FORMAT.md §3):

    《中华人民共和国个人信息保护法》第十三条、第十四条、第十七条；《中华人民共和国网络安全法》第四十一条…

``statute_form`` does that conversion, one ``;``-separated citation at a time. A citation it does not
recognise is kept as written (an administrator may add taxonomy entries), and ``latin_words`` lets a
test prove that none of the seeded entries leaves an English word in the Chinese text.
"""

import re

from .rendering.formatting import cn_numeral

# The instruments the taxonomy cites, by the names it uses, and how a Chinese document cites them.
INSTRUMENTS = {
    "PIPL": "《中华人民共和国个人信息保护法》",
    "Cybersecurity Law": "《中华人民共和国网络安全法》",
    "MIIT Order No. 24": "《电信和互联网用户个人信息保护规定》（工业和信息化部令第24号）",
    "GB/T 41391-2022": "《信息安全技术 移动互联网应用程序（App）收集个人信息基本要求》（GB/T 41391—2022）",
}
# Citations by document number, the ministry's way of naming its circulars.
DOCUMENTS = {
    "164号文": "《工业和信息化部关于开展纵深推进APP侵害用户权益专项整治行动的通知》（工信部信管函〔2020〕164号）",
    "337号文": "《工业和信息化部关于开展APP侵害用户权益专项整治工作的通知》（工信部信管函〔2019〕337号）",
    "工信部信管函〔2023〕26号": (
        "《工业和信息化部关于进一步提升移动互联网应用服务能力的通知》（工信部信管函〔2023〕26号）"
    ),
}
# 认定方法 is divided into numbered parts (一、二、…), not articles.
METHOD = "《App违法违规收集使用个人信息行为认定方法》"
# Notes in parentheses, as the Chinese text says them.
NOTES = {
    "2016 numbering": "2016年公布文本条文序号",
    "sensitive personal information": "敏感个人信息",
    "remind 5 days before renewal": "自动续费前5日提醒用户",
}

SEPARATOR = "；"
_RANGE = re.compile(r"^(\d+)\s*[–—-]\s*(\d+)$")
_CN_RANGE = re.compile(r"^([一二三四五六七八九十]+)\s*[–—-]\s*([一二三四五六七八九十]+)$")
_NOTE = re.compile(r"\s*\(([^)]*)\)\s*$")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Latin letters that belong in Chinese legal text: standard codes and the words APP/App/SDK.
_ALLOWED_LATIN = {"GB", "App", "APP", "SDK"}


def cn_article(number: int) -> str:
    """``第十三条``: an article number as a Chinese document writes it."""
    return f"第{cn_numeral(number)}条"


def _articles(spec: str) -> str:
    """``13, 14, 17`` → 第十三条、第十四条、第十七条; ``28–29`` → 第二十八条至第二十九条."""
    parts = []
    for piece in (p.strip() for p in spec.split(",")):
        ranged = _RANGE.match(piece)
        if ranged:
            parts.append(f"{cn_article(int(ranged[1]))}至{cn_article(int(ranged[2]))}")
        elif piece.isdigit():
            parts.append(cn_article(int(piece)))
        else:
            raise ValueError(piece)
    return "、".join(parts)


def _clauses(spec: str) -> str:
    """A standard's clauses: ``§6.1–6.2`` → 第6.1条至第6.2条; ``§6.5`` → 第6.5条."""
    first, _, last = (part.strip() for part in re.sub(r"[–—-]", "–", spec.lstrip("§")).partition("–"))
    return f"第{first}条至第{last}条" if last else f"第{first}条"


def _note(text: str) -> str:
    return f"（{NOTES.get(text.strip(), text.strip())}）"


def _one(citation: str) -> str:
    note = ""
    found = _NOTE.search(citation)
    if found:
        note = _note(found[1])
        citation = citation[: found.start()].strip()
    if citation in DOCUMENTS:
        return DOCUMENTS[citation] + note
    if citation.startswith("认定方法"):
        spec = citation.removeprefix("认定方法").strip()
        ranged = _CN_RANGE.match(spec)
        if ranged:
            return f"{METHOD}第{ranged[1]}部分至第{ranged[2]}部分{note}"
        return f"{METHOD}第{spec}部分{note}" if spec else METHOD + note
    for name, title in INSTRUMENTS.items():
        if not citation.startswith(name):
            continue
        rest = citation.removeprefix(name).strip()
        if not rest:
            return title + note
        if rest.startswith("§"):
            return title + _clauses(rest) + note
        articles = re.match(r"^arts?\.\s*(.+)$", rest)
        if articles:
            try:
                return title + _articles(articles[1]) + note
            except ValueError:
                break
    return citation + note  # not recognised: kept as written


def statute_form(legal_basis: str) -> str:
    """The taxonomy's working citation in Chinese statute form (see the module docstring)."""
    citations = [c.strip() for c in (legal_basis or "").replace("；", ";").split(";") if c.strip()]
    return SEPARATOR.join(_one(c) for c in citations)


def latin_words(text: str) -> list[str]:
    """English words left in a Chinese citation (standard codes and APP/SDK do not count)."""
    return [w for w in _LATIN_WORD.findall(text) if w not in _ALLOWED_LATIN]
