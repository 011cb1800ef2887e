"""Library files: check that an upload is what its name says, and extract its text.

Accepted formats, by extension: PDF (``.pdf``), Word (``.docx``), Markdown (``.md``,
``.markdown``) and HTML (``.html``, ``.htm``). The extension and the content must agree: a PDF
starts with ``%PDF-``, a DOCX is a ZIP archive holding ``word/document.xml``, Markdown and HTML
decode as UTF-8 text. Anything else raises ``DocumentError`` with a reason a person can act on.
"""

from __future__ import annotations

import enum
import io
import re
import zipfile
import zlib
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _


class DocumentError(ValueError):
    """An upload that CityWeave cannot accept; ``str(error)`` says why."""


class DocumentFormat(enum.StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    MARKDOWN = "markdown"
    HTML = "html"


EXTENSIONS: dict[str, DocumentFormat] = {
    ".pdf": DocumentFormat.PDF,
    ".docx": DocumentFormat.DOCX,
    ".md": DocumentFormat.MARKDOWN,
    ".markdown": DocumentFormat.MARKDOWN,
    ".html": DocumentFormat.HTML,
    ".htm": DocumentFormat.HTML,
}

_BLOCK_TAGS = [
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
    "pre", "section", "table", "td", "th", "title", "tr", "ul",
]  # fmt: skip

# A PDF ends with "%%EOF" (possibly followed by a line break or a little padding).
_PDF_TAIL_BYTES = 1024


def format_for_name(name: str) -> DocumentFormat:
    """The format a file name announces, or ``DocumentError`` for an extension not accepted."""
    suffix = PurePath(name).suffix.lower()
    try:
        return EXTENSIONS[suffix]
    except KeyError:
        accepted = ", ".join(sorted(EXTENSIONS))
        raise DocumentError(
            _("“%(name)s”: files of type “%(suffix)s” are not accepted (accepted: %(accepted)s).")
            % {"name": name, "suffix": suffix or _("no extension"), "accepted": accepted}
        ) from None


def check_size(*, name: str, size: int) -> None:
    """Reject empty files and files over ``settings.UPLOAD_MAX_BYTES``."""
    limit = int(settings.UPLOAD_MAX_BYTES)
    if size == 0:
        raise DocumentError(_("“%(name)s” is empty.") % {"name": name})
    if size > limit:
        raise DocumentError(
            _("“%(name)s” is %(size)s bytes; the largest file accepted is %(limit)s bytes.")
            % {"name": name, "size": size, "limit": limit}
        )


def validate_upload(*, name: str, data: bytes) -> DocumentFormat:
    """Check extension, size and content signature; return the format of the file."""
    document_format = format_for_name(name)
    check_size(name=name, size=len(data))
    if document_format is DocumentFormat.PDF:
        _check_pdf(name, data)
    elif document_format is DocumentFormat.DOCX:
        _check_docx(name, data)
    else:
        _decode_text(name, data)
    return document_format


def extract_text(*, name: str, data: bytes) -> str:
    """The text of an accepted file, with whitespace tidied; ``DocumentError`` if unreadable."""
    document_format = validate_upload(name=name, data=data)
    if document_format is DocumentFormat.PDF:
        text = _pdf_text(name, data)
    elif document_format is DocumentFormat.DOCX:
        text = _docx_text(name, data)
    elif document_format is DocumentFormat.MARKDOWN:
        text = _markdown_text(_decode_text(name, data))
    else:
        text = _html_text(_decode_text(name, data))
    return tidy_text(text)


def tidy_text(text: str) -> str:
    """Drop NUL characters (PostgreSQL refuses them), trailing spaces and runs of blank lines."""
    text = text.replace("\x00", "")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- signatures --------------------------------------------------------------------------


def _check_pdf(name: str, data: bytes) -> None:
    if not data.startswith(b"%PDF-"):
        raise DocumentError(
            _("“%(name)s” is named .pdf but is not a PDF file (it does not start with %%PDF-).")
            % {"name": name}
        )
    if b"%%EOF" not in data[-_PDF_TAIL_BYTES:]:
        raise DocumentError(
            _("“%(name)s” is an incomplete PDF (no end-of-file marker): upload it again.")
            % {"name": name}
        )


def _check_docx(name: str, data: bytes) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError(
            _("“%(name)s” is named .docx but is not a Word document (not a ZIP archive).")
            % {"name": name}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise DocumentError(
                    _("“%(name)s” is a ZIP archive without word/document.xml, not a Word document.")
                    % {"name": name}
                )
            damaged = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise DocumentError(
            _("“%(name)s” is a damaged Word document: %(error)s") % {"name": name, "error": error}
        ) from error
    if damaged is not None:
        raise DocumentError(
            _("“%(name)s” is a damaged Word document (%(part)s is corrupt).")
            % {"name": name, "part": damaged}
        )


def _decode_text(name: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(
            _("“%(name)s” is not UTF-8 text: save it as UTF-8 or upload a PDF or DOCX.")
            % {"name": name}
        ) from None
    if "\x00" in text:
        raise DocumentError(_("“%(name)s” holds binary data, not text.") % {"name": name})
    return text


# --- extraction ----------------------------------------------------------------------------


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(
                _("“%(name)s” is protected by a password: upload an unprotected copy.")
                % {"name": name}
            )
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        raise DocumentError(
            _("“%(name)s” is a damaged PDF that cannot be read: %(error)s")
            % {"name": name, "error": error}
        ) from error


def _docx_text(name: str, data: bytes) -> str:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises lxml, KeyError and its own errors
        raise DocumentError(
            _("“%(name)s” is a damaged Word document: %(error)s") % {"name": name, "error": error}
        ) from error
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _markdown_text(text: str) -> str:
    import markdown

    return _html_text(markdown.markdown(text, extensions=["tables"]))


def _html_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for element in soup(["script", "style", "noscript", "template"]):
        element.decompose()
    # Block elements end a line; inline ones (<strong>, <a> ...) stay inside their sentence.
    for element in soup(_BLOCK_TAGS):
        element.insert_before("\n")
        element.insert_after("\n")
    for element in soup("br"):
        element.replace_with("\n")
    return soup.get_text()
