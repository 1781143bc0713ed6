"""Broken and hostile inputs for the extraction tests: builders for the committed corpus in
tests/data/hostile/ and for the inputs too big (or too dangerous) to commit, which tests make at run time.

Rewrite the committed corpus (needs chromium + fonts-noto-cjk and qpdf) with:

    PYTHONPATH=. .venv/bin/python -m tests.support.hostile --write

The committed files are what the tests read; the builders document how each was made.
"""
from __future__ import annotations

import base64
import io
import json
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile

from tests.support.paths import DEV_CASES_DIR, HOSTILE_DIR, ROOT, SAMPLES_DIR  # noqa: F401

EXPECTED_FILE = HOSTILE_DIR / "expected.json"
SAMPLE_REPORT = SAMPLES_DIR / "beiguan-gxj-2023.txt"
DEV_HTML_REPORT = DEV_CASES_DIR / "pingtan-gov-2022" / "source.html"
DEV_PDF_REPORT = DEV_CASES_DIR / "huaian-hongze-gov-2023" / "source.pdf"

NOTICE_TITLE = "关于开展2023年度安全生产大检查工作的通知"
NOTICE_PARAGRAPHS = (
    "各乡镇人民政府、区直各单位：",
    "为切实做好本年度安全生产工作，经研究，决定在全区范围内开展安全生产大检查。现将有关事项通知如下。",
    "一、检查时间：2023年3月1日至2023年4月30日。",
    "二、检查内容：重点行业领域安全隐患排查整治情况，共计12项内容。",
)
# a table with numbers that is not one of the report's statistical tables
NOTICE_TABLE = (
    ("序号", "检查项目", "责任单位", "检查次数", "发现隐患"),
    ("1", "危险化学品", "应急管理局", "15", "3"),
    ("2", "道路交通", "交通运输局", "22", "7"),
    ("3", "建筑施工", "住房城乡建设局", "18", "0"),
)
BIG5_NOTICE = "臺北市政府資訊公開工作報告：本年度共受理申請案件，詳見附表。"


def notice_html(charset: str = "utf-8") -> str:
    rows = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in NOTICE_TABLE)
    paragraphs = "".join(f"<p>{p}</p>" for p in NOTICE_PARAGRAPHS)
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{NOTICE_TITLE}</title>'
            '<style>body{font-family:"Noto Sans CJK SC",sans-serif} td{border:1px solid #000;padding:4px}'
            'table{border-collapse:collapse}</style></head>'
            f"<body><h1>{NOTICE_TITLE}</h1>{paragraphs}<table>{rows}</table></body></html>")


def notice_text() -> str:
    table = "\n".join("\t".join(row) for row in NOTICE_TABLE)
    return "\n\n".join((NOTICE_TITLE, *NOTICE_PARAGRAPHS, table)) + "\n"


def random_bytes(seed: int, size: int = 4096) -> bytes:
    return random.Random(seed).randbytes(size)


def notice_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(NOTICE_TITLE, level=1)
    for paragraph in NOTICE_PARAGRAPHS:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=len(NOTICE_TABLE), cols=len(NOTICE_TABLE[0]))
    for r, row in enumerate(NOTICE_TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def replace_zip_member(package: bytes, member: str, content: bytes) -> bytes:
    """A copy of a zip package with one member's content replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info.filename))
        target.writestr(member, content)
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


BILLION_LAUGHS_DTD = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def billion_laughs_document_xml() -> bytes:
    """word/document.xml whose one run would expand to 10^9 "lol"s if entities were resolved."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + BILLION_LAUGHS_DTD
            + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>").encode()


def external_entity_document_xml() -> bytes:
    """word/document.xml with an external entity (XXE) that would read a local file."""
    return ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>").encode()


def docx_ratio_bomb(expanded_bytes: int = 40 * 1024 * 1024) -> bytes:
    """A .docx whose document.xml is padded with whitespace that compresses about 1000-fold."""
    base = notice_docx()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        document_xml = archive.read("word/document.xml")
    padded = document_xml.replace(b"<w:body>", b"<w:body>" + b" " * expanded_bytes, 1)
    return replace_zip_member(base, "word/document.xml", padded)


def docx_total_size_bomb(members: int = 5, member_bytes: int = 50 * 1024 * 1024) -> bytes:
    """A .docx carrying several large media files: more expanded bytes than any report needs."""
    base = notice_docx()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        chunk = b"\0" * member_bytes
        for i in range(members):
            target.writestr(f"word/media/image{i}.bin", chunk)
    return out.getvalue()


def docx_many_members(count: int = 5000) -> bytes:
    base = notice_docx()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        for i in range(count):
            target.writestr(f"customXml/item{i}.bin", b"")
    return out.getvalue()


W_NAMESPACE = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_with_body(body: bytes) -> bytes:
    """The notice .docx with word/document.xml replaced by a document of the given body XML."""
    document = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ' + W_NAMESPACE
                + b"><w:body>" + body + b"</w:body></w:document>")
    return replace_zip_member(notice_docx(), "word/document.xml", document)


def docx_without(member: str) -> bytes:
    """The notice .docx without one of its parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(notice_docx())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info.filename))
    return out.getvalue()


def nested_html(depth: int) -> bytes:
    return (b"<html><body>" + b"<div><table><tr><td>" * depth + b"1" + b"</td></tr></table></div>" * depth
            + b"</body></html>")


def minimal_pdf(content_stream: bytes, compress: bool = True) -> bytes:
    """A one-page PDF written by hand around `content_stream` (Helvetica as /F1), with a correct xref."""
    import zlib

    body = zlib.compress(content_stream, 9) if compress else content_stream
    stream_dict = b"<< /Length %d%s >>" % (len(body), b" /Filter /FlateDecode" if compress else b"")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream_dict + b"\nstream\n" + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_from_objects(objects)


def pdf_from_objects(objects: list[bytes]) -> bytes:
    """A PDF of the given objects (1 0 obj is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def flate_stream(content: bytes, extra: bytes = b"") -> bytes:
    import zlib

    body = zlib.compress(content)
    return b"<< /Length %d /Filter /FlateDecode %s>>\nstream\n" % (len(body), extra) + body + b"\nendstream"


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
HELLO = b"BT /F1 12 Tf 72 720 Td (Quarterly newsletter) Tj ET"


def pdf_with_page_tree_cycle() -> bytes:
    """The page tree lists itself among its own kids."""
    return pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R"
        b" >> >> >>", flate_stream(HELLO), HELVETICA])


def pdf_with_self_drawing_form() -> bytes:
    """A form XObject that draws itself: infinite recursion for a naive interpreter."""
    resources = b"/Resources << /Font << /F1 5 0 R >> /XObject << /X1 6 0 R >> >>"
    return pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " + resources + b" >>",
        flate_stream(HELLO + b" /X1 Do"), HELVETICA,
        flate_stream(HELLO + b" /X1 Do", b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + resources + b" ")])


def pdf_with_malformed_mediabox() -> bytes:
    return minimal_pdf(HELLO).replace(b"/MediaBox [0 0 612 792]", b"/MediaBox [0 0 (a) /b]")


def pdf_with_overlapping_text_runs(runs: int) -> bytes:
    """`runs` runs of 17 digit characters, each shifted one point right and up from the last, so that they
    overlap into long lines without a gap (what stamped or overprinted layers look like)."""
    return minimal_pdf(b"".join(b"BT /F1 8 Tf %d %d Td (1 2 3 4 5 6 7 8 9) Tj ET " % (i % 500, i % 780)
                                for i in range(runs)))


def pdf_decompression_bomb(inflated_bytes: int) -> bytes:
    """A valid one-page PDF whose content stream is a line of text and then `inflated_bytes` of spaces."""
    return minimal_pdf(b"BT /F1 12 Tf 72 720 Td (Quarterly newsletter) Tj ET\n" + b" " * inflated_bytes)


def print_pdf(html: str) -> bytes:
    from tests.support.generator.pdf import print_pdf as chromium_print

    return chromium_print(html.encode("utf-8"))


def scanned_pdf() -> bytes:
    """A page that holds only an image: what a scanner produces (no text layer)."""
    png = _solid_png(400, 200)
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode()
    return print_pdf(f'<html><body style="margin:0"><img src="{data_uri}" width="600"></body></html>')


def _solid_png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + bytes([(x * 7 + y * 3) % 256 for x in range(width)]) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def qpdf_encrypt(pdf: bytes, user_password: str, owner_password: str = "owner-secret") -> bytes:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        raise RuntimeError("qpdf is needed: apt-get install -y --no-install-recommends qpdf")
    with tempfile.TemporaryDirectory(prefix="hostile-qpdf-") as tmp:
        source, target = pathlib.Path(tmp) / "in.pdf", pathlib.Path(tmp) / "out.pdf"
        source.write_bytes(pdf)
        subprocess.run([qpdf, "--encrypt", user_password, owner_password, "256", "--", str(source), str(target)],
                       check=True, capture_output=True, timeout=60)
        return target.read_bytes()


def encrypted_docx() -> bytes | None:
    """The notice .docx encrypted with a password (an OLE "EncryptedPackage", as Word saves it), made with
    msoffcrypto-tool; None when that tool is not installed (it is not a project dependency: install it in
    a scratch directory to rewrite this file, e.g. `uv pip install --target /tmp/x msoffcrypto-tool`)."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return None
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(notice_docx())).encrypt("secret-password", out)
    return out.getvalue()


def committed_corpus() -> dict[str, bytes]:
    """Every file of tests/data/hostile/ (except expected.json and README.md), by name."""
    notice_pdf = print_pdf(notice_html())
    notice_package = notice_docx()
    report_pdf = DEV_PDF_REPORT.read_bytes()
    text = notice_text()
    return {
        "empty.pdf": b"",
        "whitespace-only.txt": b"  \r\n\t\n   \n",
        "random-bytes.pdf": random_bytes(1),
        "random-bytes.html": random_bytes(2),
        "random-bytes.docx": random_bytes(3),
        "random-bytes.txt": random_bytes(4, 200),
        "pdf-header-only.pdf": b"%PDF-1.7\n%%EOF\n",
        "pdf-header-then-random.pdf": b"%PDF-1.4\n" + random_bytes(5),
        "truncated-report.pdf": report_pdf[: len(report_pdf) // 8],
        "encrypted-user-password.pdf": qpdf_encrypt(notice_pdf, user_password="user-secret"),
        "notice-not-a-report.pdf": notice_pdf,
        "scanned-no-text-layer.pdf": scanned_pdf(),
        "png-image-named.pdf": _solid_png(16, 16),
        "notice-not-a-report.html": notice_html().encode("utf-8"),
        "html-no-tables.html": ("<html><head><title>网站维护公告</title></head><body><p>本网站将于今晚22:00至次日"
                                "6:00进行系统维护，敬请谅解。</p></body></html>").encode("utf-8"),
        "html-binary-garbage.html": b"<html><body><table><tr><td>" + random_bytes(6) + b"</td></tr></table>"
                                    + random_bytes(7) + b"</body></html>",
        "html-entity-expansion.html": ('<?xml version="1.0"?>' + BILLION_LAUGHS_DTD
                                       + "<html><body><table><tr><td>&lol9;</td></tr></table></body></html>"
                                       ).encode("utf-8"),
        "html-huge-spans.html": (b"<html><body><table>" + b"<tr><td rowspan=99999999 colspan=99999999>1</td>"
                                 b"<td colspan=-5>2</td><td rowspan=abc>3</td></tr>" * 300 + b"</table></body></html>"),
        "html-big5-declared.html": (f'<html><head><meta charset="big5"><title>公告</title></head><body><p>'
                                    f"{BIG5_NOTICE}</p></body></html>").encode("big5"),
        "notice-not-a-report.docx": notice_package,
        "truncated-notice.docx": notice_package[: len(notice_package) // 2],
        "docx-malformed-xml.docx": replace_zip_member(notice_package, "word/document.xml",
                                                      b"<w:document><w:body><w:p></w:document"),
        "docx-without-document-part.docx": zip_of({"[Content_Types].xml": b"<Types/>", "readme.txt": b"hello"}),
        "xlsx-named.docx": zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
        "ole-random.doc": bytes.fromhex("d0cf11e0a1b11ae1") + random_bytes(8),
        "notice-gbk.txt": text.encode("gbk"),
        "notice-gb18030.txt": text.encode("gb18030"),
        "notice-utf16-bom.txt": text.encode("utf-16"),
        "notice-big5.txt": BIG5_NOTICE.encode("big5"),
        "notice-mixed-invalid-bytes.txt": text.encode("utf-8")[:60] + b"\xff\xfe\x80\x81" + text.encode("gbk"),
        "xml-entity-expansion.txt": ('<?xml version="1.0"?>' + BILLION_LAUGHS_DTD + "<r>&lol9;</r>").encode(),
    }


def write_corpus() -> None:
    HOSTILE_DIR.mkdir(parents=True, exist_ok=True)
    corpus = committed_corpus()
    encrypted = encrypted_docx()
    if encrypted is not None:
        corpus["encrypted-password.docx"] = encrypted
    for name, content in corpus.items():
        (HOSTILE_DIR / name).write_bytes(content)
        print(f"{name}: {len(content)} bytes")


def corpus_files() -> list[pathlib.Path]:
    return sorted(p for p in HOSTILE_DIR.iterdir() if p.name not in ("expected.json", "README.md"))


def expected_table() -> dict[str, dict[str, str]]:
    return json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: PYTHONPATH=. python -m tests.support.hostile --write")
    write_corpus()
