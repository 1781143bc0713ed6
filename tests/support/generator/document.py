"""A report as an ordered list of blocks (title, headings, paragraphs, tables) that every renderer walks.

The narrative is filler with the numbers a real report states (applications received, lawsuits, fees
charged for processing), plus distractor numbers that are not table cells.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from .layout import RenderedTables, Style, Table, tables
from .report import Report

SECTION_TITLES = (
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
)
SECTION_NUMERALS = "一二三四五六"
NO_T4_SENTENCE = "本年度未发生政府信息公开行政复议、行政诉讼。"


@dataclass(frozen=True)
class Block:
    kind: str  # title | subtitle | heading | paragraph | table
    text: str = ""
    table: Table | None = None
    table_name: str | None = None  # "t2" | "t3" | "t4"
    header_rows: int = 0  # rows of a table that form its header (repeated after a page break)


@dataclass(frozen=True)
class Document:
    report: Report
    style: Style
    title_lines: tuple[str, ...]
    blocks: tuple[Block, ...]
    published: str  # "2024-01-20"

    @property
    def title(self) -> str:
        return "".join(self.title_lines)


def title_lines(report: Report, form: str) -> tuple[str, ...]:
    agency, year = report.agency, report.year
    if form == "one_line":
        return (f"{agency}{year}年政府信息公开工作年度报告",)
    if form == "annual":
        return (f"{agency}{year}年度政府信息公开工作年度报告",)
    if form == "about":
        return (f"{agency}关于{year}年政府信息公开年度工作情况的报告",)
    if form == "two_lines":
        return (agency, f"{year}年政府信息公开工作年度报告")
    raise ValueError(f"unknown title form {form!r}")


TITLE_FORMS = ("one_line", "annual", "about", "two_lines")


def _cell(report: Report, table: int, row: str, col: str) -> int:
    value = report.value(table, row, col)
    return int(value) if isinstance(value, (int, float)) else 0


def narrative(report: Report, rng: random.Random) -> dict[int, list[str]]:
    """Paragraphs of sections 一, 五, 六 and the sentences that introduce the tables of 二, 三, 四."""
    year = report.year
    received = _cell(report, 3, "new_received", "total")
    pending = _cell(report, 3, "carried_forward", "total")
    reconsiderations = _cell(report, 4, "reconsideration", "total")
    lawsuits = _cell(report, 4, "litigation_direct", "total") + _cell(report, 4, "litigation_after_reconsideration",
                                                                      "total")
    published = rng.randint(20, 3000)
    accounts = rng.randint(1, 9)
    fee = rng.choice((0, 0, rng.randint(1, 500)))
    fee_sentence = (f"本年度共收取信息处理费{fee}元。" if fee else "本年度未收取信息处理费。")
    return {
        1: [
            f"{year}年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政务公开工作。本报告中所列数据"
            f"的统计期限自{year}年1月1日起至{year}年12月31日止。",
            f"（一）主动公开方面。全年通过政府门户网站主动公开政府信息{published}条，开设政务新媒体账号{accounts}个。",
            f"（二）依申请公开方面。全年共收到政府信息公开申请{received}件，结转下年度继续办理{pending}件，"
            "均在法定期限内答复。",
            f"（三）监督保障方面。召开政务公开专题会议{rng.randint(1, 12)}次，开展业务培训{rng.randint(1, 6)}场。",
        ],
        2: [],
        3: [],
        4: ([f"全年发生政府信息公开行政复议{reconsiderations}件、行政诉讼{lawsuits}件。"] if report.has_t4
            else [NO_T4_SENTENCE]),
        5: [
            "一是信息发布的及时性有待提高；二是政策解读形式较为单一。",
            f"{year + 1}年，将加强业务培训，规范依申请公开办理流程，提高政府信息公开质量。",
        ],
        6: [fee_sentence, f"本机关{year}年政务公开工作要点落实情况已在门户网站公开。"],
    }


# 表二's numbers as narratives restate them: (row, column, how the sentence names the number)
T2_STATEMENTS = (
    ("regulations", "issued", "制发规章{}件"),
    ("regulations", "in_force", "现行有效规章{}件"),
    ("normative_documents", "issued", "制发规范性文件{}件"),
    ("normative_documents", "repealed", "废止规范性文件{}件"),
    ("normative_documents", "in_force", "现行有效行政规范性文件{}件"),
    ("administrative_licensing", "decisions", "办理行政许可{}件"),
    ("administrative_penalty", "decisions", "作出行政处罚决定{}件"),
    ("administrative_coercion", "decisions", "作出行政强制决定{}件"),
)


def t2_sentence(report: Report) -> str:
    """The sentence that restates the 表二 numbers the report prints (blank cells are not stated)."""
    clauses = [phrase.format(int(value)) for row, col, phrase in T2_STATEMENTS
               if isinstance(value := report.value(2, row, col), (int, float)) and float(value).is_integer()]
    return f"{report.year}年，本机关" + "，".join(clauses) + "。" if clauses else ""


def build_document(report: Report, style: Style, rng: random.Random) -> Document:
    """The document structure of a report: sections 一…六 with 表二/表三/表四 in sections 二/三/四."""
    form = rng.choice(TITLE_FORMS)
    lines = title_lines(report, form)
    paragraphs = narrative(report, rng)
    if style.states_t2 and t2_sentence(report):
        paragraphs[2] = [t2_sentence(report)] + paragraphs[2]
    rendered: RenderedTables = tables(report, style)
    blocks: list[Block] = [Block("title", line) for line in lines]
    for number, section_title in enumerate(SECTION_TITLES, start=1):
        if number == 4:
            section_title = style.t4_heading
        if number == 4 and style.typos:
            section_title = section_title.replace("行政复议", "行政法复议")
        blocks.append(Block("heading", f"{SECTION_NUMERALS[number - 1]}、{section_title}"))
        blocks.extend(Block("paragraph", p) for p in paragraphs[number])
        if number == 2:
            blocks.append(Block("table", table=rendered.t2, table_name="t2", header_rows=0))
            if style.after_t2:
                blocks.append(Block("paragraph", style.after_t2))
        elif number == 3:
            blocks.append(Block("table", table=rendered.t3, table_name="t3", header_rows=rendered.t3_header_rows))
        elif number == 4 and rendered.t4 is not None:
            blocks.append(Block("table", table=rendered.t4, table_name="t4", header_rows=3))
    month = rng.randint(1, 3)
    published = f"{report.year + 1}-{month:02d}-{rng.randint(1, 28):02d}"
    return Document(report, style, lines, tuple(blocks), published)

