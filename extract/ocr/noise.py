"""What the recogniser gets wrong in a predictable way, put right before the grid interpreter sees it.

Only a reading that is a number apart from look-alike characters is changed: 〇/O/o/D/Q are 0, l/I/|/丨
are 1, S is 5, B is 8, Z is 2, spaces between digits go, full-width digits become ASCII (NFKC). A cell
reading 一 or 一一 alone is the dash that means "nothing" (一 is never a count in these tables). The 、 of
a numbering ("四、", "1、") read as a comma is put back. Otherwise labels and prose are left as read: the
label rules fold their own variants.
"""
from __future__ import annotations

import re
import unicodedata

# characters the recogniser confuses with a digit or the dash, and that a numeric reading is normalised to
LOOKALIKE_GROUPS = ("0０oO〇○DQ", "1１lI|丨", "2２Z", "5５S", "8８B", "3３", "4４", "6６", "7７", "9９",
                    "-—―─一－‐_~")
_LOOKALIKES = str.maketrans({"〇": "0", "O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1",
                             "丨": "1", "S": "5", "B": "8", "Z": "2"})
_NUMBER_LIKE_RE = re.compile(r"^[-+]?[\d〇OoDQlI|丨SBZ][\d〇OoDQlI|丨SBZ,.\s]*(?:万元|元|件|笔|个|次|%)?$")
_DIGIT_SPACE_RE = re.compile(r"(?<=[\d,.])\s+(?=[\d,.])")
_DASH_LIKE_RE = re.compile(r"^[一_]{1,2}$")
# the 、 after a section or sub-row number ("四、", "1、") read as a comma; never inside a number ("1,234")
_NUMBERING_RE = re.compile(r"^([一二三四五六七八九十]{1,3}|\d{1,2}),(?=[^\d\s]|$)")
UNREADABLE = "?"  # ink the recogniser could not read: never a number, so the cell is reported


def clean_reading(text: str) -> str:
    """A recognised line of text with the look-alikes of a printed number put right."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = _NUMBERING_RE.sub("\\1、", text)
    if _DASH_LIKE_RE.match(text):
        return "—"
    if _NUMBER_LIKE_RE.match(text) and any(ch.isdigit() or ch in "〇Oo" for ch in text):
        fixed = _DIGIT_SPACE_RE.sub("", text.translate(_LOOKALIKES))
        return fixed
    return text
