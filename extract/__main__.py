"""`python -m extract FILE` (installed as `report-extract FILE`): print one JSON object (cells, status, agency,
year, template, format, issues, provenance); `--pretty` prints a short summary for people instead.

Exit status: 0 ok, 1 needs_review, 2 failed (a missing or unreadable file included: the JSON still says why),
64 usage (bad arguments)."""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from .core import extract_file

EXIT_STATUS = {"ok": 0, "needs_review": 1, "failed": 2}
EXIT_USAGE = 64  # EX_USAGE of sysexits.h


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2, which here means "failed document"
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def summary(result: dict[str, Any]) -> str:
    """A few lines for a person: what was read, how sure it is, and what needs a look."""
    cells = result.get("cells") or {}
    blank = sum(value is None for value in cells.values())
    checks = Counter(check["result"] for check in result.get("identity_checks") or [])
    tables = ", ".join(f"表{'一二三四'[n - 1] if 1 <= n <= 4 else n}" for n in result.get("tables_found") or [])
    lines = [
        f"{result.get('file')}: {result.get('status')}",
        f"  agency {result.get('agency') or '?'}, year {result.get('year') or '?'}, template "
        f"{result.get('template') or '?'}, format {result.get('format') or '?'}",
        f"  tables: {tables or 'none'}; cells: {len(cells)} ({blank} blank)",
        f"  identities: {checks.get('pass', 0)} pass, {checks.get('fail', 0)} fail, "
        f"{checks.get('incomplete', 0)} incomplete",
    ]
    issues = result.get("issues") or []
    lines.append(f"  issues: {len(issues) or 'none'}")
    lines += [f"    [{issue.get('severity')}] {issue.get('code')}: {issue.get('message')}" for issue in issues]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = _Parser(prog="python -m extract", description=__doc__,
                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--with-text", action="store_true", help="include the document's plain text")
    ap.add_argument("--pretty", action="store_true", help="a short summary for people instead of the JSON")
    args = ap.parse_args(argv)
    result = extract_file(args.file).to_dict()
    if not args.with_text:
        del result["text"]
    try:
        if args.pretty:
            sys.stdout.write(summary(result) + "\n")
        else:
            json.dump(result, sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`| head`): not an error of ours
        sys.stderr.close()
    return EXIT_STATUS.get(result.get("status"), EXIT_STATUS["failed"])


if __name__ == "__main__":
    sys.exit(main())
