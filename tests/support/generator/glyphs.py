"""Ideographs printed as their look-alikes: Kangxi radicals (U+2F00-U+2FD5) and CJK Radicals Supplement
forms, as fonts with a radical ToUnicode table and pages copied from such PDFs write them ("⾦昌市" for
金昌市, "⾏政" for 行政). The extractor must read them as the ideographs they print."""
from __future__ import annotations

import unicodedata

# a few CJK Radicals Supplement forms seen for simplified ideographs (they have no NFKC mapping)
_SUPPLEMENT = {"民": "⺠", "长": "⻓", "门": "⻔", "见": "⻅", "马": "⻢", "车": "⻋", "贝": "⻉", "页": "⻚"}


def _look_alikes() -> dict[int, str]:
    table = {ord(ideograph): radical for ideograph, radical in _SUPPLEMENT.items()}
    for code in range(0x2F00, 0x2FD6):
        ideograph = unicodedata.normalize("NFKC", chr(code))
        if len(ideograph) == 1 and ord(ideograph) not in table:
            table[ord(ideograph)] = chr(code)
    return table


LOOK_ALIKES = _look_alikes()


def with_radicals(text: str) -> str:
    """`text` with every ideograph that has a radical look-alike written as that look-alike."""
    return text.translate(LOOK_ALIKES)
