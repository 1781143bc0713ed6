"""Ideographs coded as look-alike characters, folded back to the ideograph every reader expects.

Fonts and converters that map glyphs to code points through a radical table (Noto CJK printed by Chromium,
some WPS and Word exports, pages copied from such PDFs) write Kangxi radicals ("⾦" U+2FA6 for 金, "⼆"
U+2F06 for 二), CJK Radicals Supplement forms ("⺠" for 民) and CJK compatibility ideographs in place of the
unified ideograph. They print the same and read as different text: an agency name loses a character, a
row label stops matching. Every format folds them the same way, one character for one character, so that
offsets and line numbers into the folded text stay those of the original.
"""
from __future__ import annotations

import re
import unicodedata

# CJK Radicals Supplement forms that stand for a simplified ideograph (they have no NFKC mapping)
_RADICAL_SUPPLEMENT = {
    "⺀": "冫", "⺁": "厂", "⺇": "几", "⺌": "小", "⺎": "兀", "⺏": "尣", "⺐": "尢", "⺑": "𡯂", "⺒": "巳",
    "⺓": "幺", "⺔": "彑", "⺕": "彐", "⺖": "忄", "⺗": "㣺", "⺘": "扌", "⺙": "攵", "⺛": "旡", "⺜": "日",
    "⺝": "月", "⺞": "歺", "⺟": "母", "⺠": "民", "⺡": "氵", "⺢": "氺", "⺣": "灬", "⺤": "爫", "⺥": "爫",
    "⺦": "丬", "⺧": "丬", "⺨": "犭", "⺩": "王", "⺪": "疋", "⺫": "罒", "⺬": "示", "⺭": "礻", "⺮": "竹",
    "⺯": "糸", "⺰": "纟", "⺱": "罓", "⺲": "罒", "⺳": "罓", "⺴": "罒", "⺵": "罒", "⺶": "羊", "⺷": "羊",
    "⺸": "羊", "⺹": "耂", "⺺": "肀", "⺻": "聿", "⺼": "月", "⺽": "臼", "⺾": "艹", "⺿": "艹", "⻀": "艹",
    "⻁": "虎", "⻂": "衤", "⻃": "覀", "⻄": "西", "⻅": "见", "⻆": "角", "⻇": "角", "⻈": "讠", "⻉": "贝",
    "⻊": "足", "⻋": "车", "⻌": "辶", "⻍": "辶", "⻎": "辶", "⻏": "阝", "⻐": "钅", "⻑": "長", "⻒": "镸",
    "⻓": "长", "⻔": "门", "⻕": "阝", "⻖": "阝", "⻗": "雨", "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风",
    "⻜": "飞", "⻝": "食", "⻞": "食", "⻟": "食", "⻠": "饣", "⻡": "饣", "⻢": "马", "⻣": "骨", "⻤": "鬼",
    "⻥": "鱼", "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄", "⻪": "黾", "⻫": "斉", "⻬": "齐", "⻭": "歯",
    "⻮": "齿", "⻯": "竜", "⻰": "龙", "⻱": "龜", "⻲": "亀", "⻳": "龟",
}

# Kangxi radicals and compatibility ideographs (BMP and supplement) map to one ideograph under NFKC
_NFKC_RANGES = ((0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _table() -> dict[int, str]:
    table = {ord(k): v for k, v in _RADICAL_SUPPLEMENT.items()}
    for low, high in _NFKC_RANGES:
        for code in range(low, high + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1 and folded != chr(code):
                table[code] = folded
    return table


_FOLD = _table()
_LOOK_ALIKE_RE = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


def fold_ideographs(text: str) -> str:
    """`text` with every radical or compatibility form replaced by its ideograph (same length)."""
    if _LOOK_ALIKE_RE.search(text) is None:  # nearly every document: no copy made
        return text
    return text.translate(_FOLD)
