"""`python -m extract FILE`: print one JSON object (cells, status, agency, year, template, format, issues,
provenance)."""
from __future__ import annotations

import argparse
import json
import sys

from .core import extract_file


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m extract", description=__doc__)
    ap.add_argument("file")
    ap.add_argument("--with-text", action="store_true", help="include the document's plain text")
    args = ap.parse_args(argv)
    result = extract_file(args.file).to_dict()
    if not args.with_text:
        del result["text"]
    try:
        json.dump(result, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`| head`): not an error of ours
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
