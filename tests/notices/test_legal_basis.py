"""The taxonomy's citations in Chinese statute form (NOTICE-FORMAT.md §3)."""

from importlib import import_module

import pytest

from notices.legal_basis import cn_article, latin_words, statute_form


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "第一条"), (10, "第十条"), (13, "第十三条"), (28, "第二十八条"), (41, "第四十一条"), (105, "第一百零五条")],
)
def test_article_numbers_are_written_in_chinese(number, text):
    assert cn_article(number) == text


def test_pipl_articles_become_the_statute_form():
    assert statute_form("PIPL arts. 13, 14, 17") == "《中华人民共和国个人信息保护法》第十三条、第十四条、第十七条"


def test_ranges_notes_and_several_instruments():
    assert statute_form("PIPL arts. 13, 28–29 (sensitive personal information); Cybersecurity Law art. 42") == (
        "《中华人民共和国个人信息保护法》第十三条、第二十八条至第二十九条（敏感个人信息）；"
        "《中华人民共和国网络安全法》第四十二条"
    )


def test_circulars_standards_and_the_identification_method():
    text = statute_form("GB/T 41391-2022 §6.1–6.2; 164号文; 认定方法 一–二")
    assert text == (
        "《信息安全技术 移动互联网应用程序（App）收集个人信息基本要求》（GB/T 41391—2022）第6.1条至第6.2条；"
        "《工业和信息化部关于开展纵深推进APP侵害用户权益专项整治行动的通知》（工信部信管函〔2020〕164号）；"
        "《App违法违规收集使用个人信息行为认定方法》第一部分至第二部分"
    )


def test_an_unknown_citation_is_kept_as_written():
    assert statute_form("某地方规定 第3条") == "某地方规定 第3条"


def test_no_seeded_taxonomy_entry_leaves_an_english_word():
    seeded = [
        entry
        for module in ("0002_seed_violation_types", "0009_i12_security_measures_type", "0022_i16_scenarios_taxonomy")
        for entry in import_module(f"cases.migrations.{module}").VIOLATION_TYPES
    ]
    assert len(seeded) == 28  # 23 reference types, SEC-01 (issue 12), OS-01..04 (issue 16)
    for code, _name_zh, _name_en, _applies_to, legal_basis in seeded:
        text = statute_form(legal_basis)
        assert text.startswith("《"), code
        assert latin_words(text) == [], (code, text)
