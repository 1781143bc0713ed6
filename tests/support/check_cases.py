"""Reports with chosen numbers and prose, rendered by tests/support/generator, extracted by the real extractor and
built into a warehouse by the real dbt project: the fixtures of tests/warehouse/test_checks_*, tests/pipeline/test_findings_*,
test_quality_report.

Every scenario is a separate agency, so one warehouse holds them all (one dbt build per test module):

  乙市财政局 2023          valid; prose states the table's numbers; signed 2024年1月20日 (on time)
  丙市财政局 2023          identity 1 broken in two applicant columns only (total still adds up); the text
                           says 收到…申请 N+5 件 (disagrees with 表三); signed 2024年3月5日 (late)
  丁市财政局 2022 → 2023   表三 carried over / forward chained exactly (identity 5 passes); 表二 stock
                           continuous for 规章, broken for 规范性文件
  戊市财政局 2022 → 2023   2023 carries over 1 in 商业企业 where 2022 carried forward 1 in 自然人: identity 5
                           fails per column while the total column passes
  北关区工信局 2022 → 安阳市北关区工业和信息化局 2023   the alias seed joins them (identity 5 evaluated)
  己市财政局 2022 → 2023   the same prose twice (similarity fails)
  庚市财政局 2022 → 2023   different prose (similarity passes)
  辛市财政局 2023          staged directly with a negative count (check 6)
  平潭综合实验区 2022      the real dev-corpus report pingtan-gov-2022 (its text and table disagree)
  平潭综合实验区财政金融局 2020, 2024   real reports, the later one repeating much of the earlier prose
"""
from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.support.paths import DEV_CASES_DIR
from extract.core import extract_bytes
from tests.support.generator import random_report, render
from tests.support.generator.report import Report
from extract.keys import T3_COLUMNS
from tests.support.warehouse import FIRST_ARRIVAL, load_staging, run_dbt, synthetic_document

APPLICANTS = [c for c in T3_COLUMNS if c != "total"]
VARIANT = "txt-tabs"

PROSE_A = [
    "本年度我局围绕优化营商环境，持续推进财政预决算公开，细化部门预算公开到项级科目。",
    "我们建立健全政务公开工作机制，明确分管领导和专职人员，将公开工作纳入年度绩效考核。",
    "在政策解读方面，坚持文件与解读同步起草、同步审签、同步发布，提升政策知晓度。",
    "下一步，我局将继续加强队伍建设，组织业务培训，规范依申请公开办理流程和答复文书。",
]
PROSE_B = [
    "今年重点围绕乡村振兴资金使用情况开展专项公开，逐村公示补助对象名单和发放标准。",
    "针对群众反映的热点问题，召开新闻发布会两场，邀请人大代表政协委员参与监督评议。",
    "政务新媒体实行三审三校制度，清理整合僵尸账号，确保发布内容准确权威及时更新。",
    "存在的不足主要是基层公开目录不够规范，个别栏目更新滞后，今后将建立月度巡查通报机制。",
]


def base_report(seed: str, agency: str, year: int, activity: float = 0.6) -> Report:
    rng = random.Random(seed)
    report = random_report(rng, template="2021", year=year, blank_rate=0.0, has_t4=True, activity=activity,
                           max_count=20)
    return dataclasses.replace(report, agency=agency)


def with_cells(report: Report, **changes: float | None) -> Report:
    """`with_cells(r, t3__granted__total=5)` sets t3.granted.total."""
    cells = dict(report.cells)
    for name, value in changes.items():
        cells[name.replace("__", ".")] = value
    return dataclasses.replace(report, cells=cells)


def render_text(report: Report, seed: str) -> str:
    return render(report, VARIANT, random.Random(seed)).data.decode("utf-8")


def replace_prose(text: str, prose: list[str]) -> str:
    """Drop every sentence line of the generated text and put `prose` in its place (the tables stay)."""
    kept = [line for line in text.splitlines() if "。" not in line]
    return "\n".join(kept[:3] + prose + kept[3:])


def signed(text: str, agency: str, day: str) -> str:
    return text.rstrip() + f"\n\n{agency}\n{day}\n"


def extracted(text: str, name: str, arrived_at: datetime) -> dict[str, Any]:
    """The stored form of a document the pipeline extracted (a dict, so that scenarios can annotate it)."""
    result = extract_bytes(text.encode("utf-8"), name=name)
    assert result.status != "failed", result.issues
    sha = result.sha256
    return {**result.to_dict(), "object_key": f"raw/{sha[:2]}/{sha}", "original_name": name,
            "arrived_at": arrived_at, "quarantine_key": None}


def chained_carry_over(previous: Report, current: Report) -> Report:
    """`current` carrying over exactly what `previous` carried forward; identity 1 kept by carrying the
    same applications forward again (drawn with activity 0: every 表三 cell of `current` starts at 0)."""
    cells = dict(current.cells)
    for col in T3_COLUMNS:
        carried = previous.cells[f"t3.carried_forward.{col}"]
        cells[f"t3.carried_over.{col}"] = carried
        cells[f"t3.carried_forward.{col}"] = cells[f"t3.carried_forward.{col}"] + carried
    return dataclasses.replace(current, cells=cells)


def continuous_stock(previous: Report, current: Report, row: str) -> Report:
    prev_in_force = previous.cells[f"t2.{row}.in_force"]
    cells = dict(current.cells)
    cells[f"t2.{row}.in_force"] = prev_in_force + cells[f"t2.{row}.issued"] - cells[f"t2.{row}.repealed"]
    return dataclasses.replace(current, cells=cells)


def scenario_documents() -> dict[str, dict[str, Any]]:
    """name -> extraction result (plus the Report under "_report" and the text under "_text")."""
    arrivals = (FIRST_ARRIVAL + timedelta(minutes=i) for i in range(1000))
    docs: dict[str, dict[str, Any]] = {}

    def add(name: str, report: Report, text: str) -> None:
        result = extracted(text, f"{name}.txt", next(arrivals))
        result["_report"], result["_text"] = report, text
        docs[name] = result

    # a valid report: everything passes, published on time
    valid = base_report("valid", "乙市财政局", 2023)
    add("valid", valid, signed(render_text(valid, "valid"), valid.agency, "2024年1月20日"))

    # identity 1 broken in two applicant columns (carried_forward moved between them), total intact
    broken = base_report("broken", "丙市财政局", 2023, activity=0.9)
    c = broken.cells
    broken = with_cells(  # two more applications received and carried forward by 自然人: still valid
        broken, t3__new_received__natural_person=c["t3.new_received.natural_person"] + 2,
        t3__new_received__total=c["t3.new_received.total"] + 2,
        t3__carried_forward__natural_person=c["t3.carried_forward.natural_person"] + 2,
        t3__carried_forward__total=c["t3.carried_forward.total"] + 2)
    assert broken.is_valid and not broken.failing_identities()
    c = broken.cells
    broken = with_cells(  # ... then printed under 商业企业: identity 1 fails in both columns, not in total
        broken, t3__carried_forward__natural_person=c["t3.carried_forward.natural_person"] - 2,
        t3__carried_forward__commercial_enterprise=c["t3.carried_forward.commercial_enterprise"] + 2)
    received = int(broken.cells["t3.new_received.total"])
    text = render_text(broken, "broken")
    stated = f"全年共收到政府信息公开申请{received}件"
    assert stated in text
    text = text.replace(stated, f"全年共收到政府信息公开申请{received + 5}件")
    add("broken", broken, signed(text, broken.agency, "2024年3月5日"))

    # identity 5 and 表二 stock across two years, both consistent (stock broken for normative documents)
    chain_2022 = base_report("chain-2022", "丁市财政局", 2022, activity=0.0)
    chain_2022 = with_cells(chain_2022, t3__new_received__natural_person=3, t3__new_received__total=3,
                            t3__carried_forward__natural_person=3, t3__carried_forward__total=3)
    chain_2023 = chained_carry_over(chain_2022, base_report("chain-2023", "丁市财政局", 2023, activity=0.0))
    chain_2023 = continuous_stock(chain_2022, chain_2023, "regulations")
    chain_2023 = with_cells(chain_2023, t2__normative_documents__in_force=(
        chain_2022.cells["t2.normative_documents.in_force"] + chain_2023.cells["t2.normative_documents.issued"]
        - chain_2023.cells["t2.normative_documents.repealed"] + 7))
    add("chain-2022", chain_2022, render_text(chain_2022, "chain-2022"))
    add("chain-2023", chain_2023, render_text(chain_2023, "chain-2023"))

    # identity 5 broken per column: 2022 carried forward 1 (自然人), 2023 carried over 1 (商业企业)
    shift_2022 = base_report("shift-2022", "戊市财政局", 2022, activity=0.0)
    shift_2022 = with_cells(shift_2022, t3__new_received__natural_person=1, t3__new_received__total=1,
                            t3__carried_forward__natural_person=1, t3__carried_forward__total=1)
    shift_2023 = base_report("shift-2023", "戊市财政局", 2023, activity=0.0)
    shift_2023 = with_cells(shift_2023, t3__carried_over__commercial_enterprise=1, t3__carried_over__total=1,
                            t3__carried_forward__commercial_enterprise=1, t3__carried_forward__total=1)
    add("shift-2022", shift_2022, render_text(shift_2022, "shift-2022"))
    add("shift-2023", shift_2023, render_text(shift_2023, "shift-2023"))

    # an abbreviated and a full name of one agency, joined by the alias seed
    alias_2022 = base_report("alias-2022", "北关区工信局", 2022, activity=0.0)
    alias_2023 = chained_carry_over(alias_2022, base_report("alias-2023", "安阳市北关区工业和信息化局", 2023,
                                                            activity=0.0))
    add("alias-2022", alias_2022, render_text(alias_2022, "alias-2022"))
    add("alias-2023", alias_2023, render_text(alias_2023, "alias-2023"))

    # prose copied from last year, and prose rewritten
    for name, agency, prose_2023 in (("copied", "己市财政局", PROSE_A), ("rewritten", "庚市财政局", PROSE_B)):
        for year, prose in ((2022, PROSE_A), (2023, prose_2023)):
            report = base_report(f"{name}-{year}", agency, year, activity=0.0)
            add(f"{name}-{year}", report, replace_prose(render_text(report, f"{name}-{year}"), prose))
    return docs


def negative_count_document() -> dict[str, Any]:
    cells = {f"t3.new_received.{c}": 0 for c in T3_COLUMNS}
    cells["t3.granted.natural_person"] = -2
    cells["t2.regulations.issued"] = 1.5
    return synthetic_document("辛市财政局", 2023, cells)


DEV_CORPUS = DEV_CASES_DIR
# a real report whose text says 收到政府信息公开申请75件 where 表三 prints 74 new (+1 carried over)
REAL_NARRATIVE_CASE = "pingtan-gov-2022"
# the same agency's 2020 and 2024 reports, whose prose repeats much of the earlier one
REAL_SIMILAR_CASES = ("pingtan-czj-2020", "pingtan-czj-2024")


def real_report(case: str) -> dict[str, Any]:
    source = DEV_CORPUS / case / "source.txt"
    return extracted(source.read_text(encoding="utf-8"), f"{case}.txt", FIRST_ARRIVAL - timedelta(days=1))


def build_warehouse(directory: Path) -> tuple[Path, dict[str, dict[str, Any]]]:
    docs = scenario_documents()
    warehouse = directory / "warehouse.duckdb"
    staged = [{k: v for k, v in d.items() if not k.startswith("_")} for d in docs.values()]
    real = [real_report(case) for case in (REAL_NARRATIVE_CASE, *REAL_SIMILAR_CASES)]
    load_staging(warehouse, staged + [negative_count_document(), *real])
    completed = run_dbt(warehouse, "build")
    assert completed.returncode == 0, completed.stdout[-4000:]
    return warehouse, docs


_SHARED: dict[str, Any] = {}


def shared_warehouse() -> tuple[Path, dict[str, dict[str, Any]]]:
    """The scenario warehouse, built once per test process (about 40 s) and shared read-only by the
    test modules; a test that changes the warehouse works on a copy (`copy_warehouse`)."""
    if "warehouse" not in _SHARED:
        import atexit
        import shutil
        import tempfile

        directory = Path(tempfile.mkdtemp(prefix="checks-warehouse-"))
        atexit.register(shutil.rmtree, directory, True)
        _SHARED["warehouse"] = build_warehouse(directory)
    return _SHARED["warehouse"]


def copy_warehouse(target_dir: Path) -> Path:
    import shutil

    source, _ = shared_warehouse()
    target = target_dir / "warehouse.duckdb"
    shutil.copyfile(source, target)
    return target


def check_rows(warehouse: Path, agency: str, year: int, check_code: str) -> dict[str, tuple]:
    """scope -> (lhs, rhs, result) of one check of one report (its representative rendering)."""
    from tests.support.warehouse import query

    rows = query(warehouse, "select scope, lhs, rhs, result from marts.fct_check_results where agency = ? "
                            "and year = ? and check_code = ? and is_representative", [agency, year, check_code])
    return {scope: (lhs, rhs, result) for scope, lhs, rhs, result in rows}
