"""Library files: real small PDF, DOCX, Markdown and HTML files built here, plus impostors."""

from __future__ import annotations

import io
import zipfile

import pytest

from cityweave.catalogue.documents import (
    DocumentError,
    DocumentFormat,
    extract_text,
    validate_upload,
)

# A 1 by 1 pixel PNG (signature, IHDR, IDAT, IEND).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5f0000000049454e44ae426082"
)


def make_pdf(*lines: str) -> bytes:
    """A minimal valid one-page PDF whose content stream writes ``lines`` in Helvetica.

    Built by hand (objects, cross-reference table with exact byte offsets, trailer) so the test
    does not depend on a PDF writer that can typeset text.
    """
    commands = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        commands.append(f"({escaped}) Tj T*")
    commands.append("ET")
    stream = "\n".join(commands).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_docx(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


MARKDOWN = (
    b"# Rain gardens\n\nA **rain garden** holds stormwater from roofs.\n\n"
    b"- infiltration\n- evapotranspiration\n"
)

HTML = (
    b"<!doctype html><html><head><title>Bioswales</title>"
    b"<style>body { color: red }</style><script>var secret = 'tracking';</script></head>"
    b"<body><h1>Bioswales</h1><p>Vegetated channels that convey runoff.</p></body></html>"
)


def test_pdf_text_is_extracted() -> None:
    text = extract_text(name="guide.pdf", data=make_pdf("Green roofs cool buildings", "Page end"))
    assert "Green roofs cool buildings" in text
    assert "Page end" in text


def test_docx_paragraphs_and_tables_are_extracted() -> None:
    data = make_docx("Street trees give shade.", table=[["Species", "Canopy"], ["Tilia", "8 m"]])
    text = extract_text(name="trees.docx", data=data)
    assert text.splitlines()[0] == "Street trees give shade."
    assert "Tilia | 8 m" in text


def test_markdown_is_turned_into_plain_text() -> None:
    text = extract_text(name="notes.md", data=MARKDOWN)
    assert text == (
        "Rain gardens\n\nA rain garden holds stormwater from roofs.\n\n"
        "infiltration\n\nevapotranspiration"
    )


def test_html_drops_scripts_and_styles() -> None:
    text = extract_text(name="page.HTML", data=HTML)
    assert "Vegetated channels that convey runoff." in text
    assert "tracking" not in text and "color" not in text


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.pdf", make_pdf("x"), DocumentFormat.PDF),
        ("a.docx", make_docx("x"), DocumentFormat.DOCX),
        ("a.markdown", MARKDOWN, DocumentFormat.MARKDOWN),
        ("a.htm", HTML, DocumentFormat.HTML),
    ],
)
def test_validate_upload_returns_the_format(name: str, data: bytes, expected: str) -> None:
    assert validate_upload(name=name, data=data) == expected


def _docx_without_body() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("picture.pdf", PNG, "is not a PDF file"),
        ("truncated.pdf", make_pdf("Cut short")[:200], "incomplete PDF"),
        ("picture.docx", PNG, "not a ZIP archive"),
        ("archive.docx", _docx_without_body(), "without word/document.xml"),
        ("picture.md", PNG, "not UTF-8 text"),
        ("nul.html", b"<p>a\x00b</p>", "binary data"),
        ("empty.md", b"", "is empty"),
        ("program.exe", b"MZ", "are not accepted"),
        ("noextension", b"text", "are not accepted"),
    ],
)
def test_impostors_are_rejected_with_the_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        extract_text(name=name, data=data)


def test_a_pdf_with_a_broken_body_is_rejected() -> None:
    # Signature and end marker are there, the objects in between are garbage.
    data = b"%PDF-1.4\n" + b"\x13garbage" * 40 + b"\n%%EOF\n"
    with pytest.raises(DocumentError, match="damaged PDF"):
        extract_text(name="broken.pdf", data=data)


def test_a_docx_with_a_corrupt_member_is_rejected() -> None:
    data = bytearray(make_docx("A paragraph long enough to be compressed. " * 20))
    start = data.index(b"word/document.xml") + len(b"word/document.xml")
    data[start + 40 : start + 80] = b"\xff" * 40  # damage the compressed bytes
    with pytest.raises(DocumentError, match="damaged Word document"):
        extract_text(name="broken.docx", data=bytes(data))


def test_size_limit(settings) -> None:  # type: ignore[no-untyped-def]
    settings.UPLOAD_MAX_BYTES = len(MARKDOWN) - 1
    with pytest.raises(DocumentError, match=f"is {len(MARKDOWN)} bytes"):
        validate_upload(name="notes.md", data=MARKDOWN)
    settings.UPLOAD_MAX_BYTES = len(MARKDOWN)
    assert validate_upload(name="notes.md", data=MARKDOWN) == DocumentFormat.MARKDOWN
