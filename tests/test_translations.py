"""Every gettext catalogue is complete and compiled: no empty or fuzzy entry, the same
placeholders in each translation as in its source text, and a ``django.mo`` beside each
``django.po`` that holds every one of its messages.

The catalogues are read in plain Python, so the test needs neither a database nor polib.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cityweave"
PO_FILES = sorted(PACKAGE.rglob("django.po"))

# %(name)s, %(count)d, %s, %d ... after the escaped percent sign %% is taken out.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[sdif]")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
ESCAPES |= {"f": "\f", "v": "\v"}
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: msgid {self.msgid!r}{context}"


def unquote(text: str, where: str) -> str:
    """One quoted PO string, with its C escapes resolved."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{where}: not a quoted string: {text}")

    def escape(match: re.Match[str]) -> str:
        if match.group(1) not in ESCAPES:
            raise ValueError(f"{where}: unknown escape \\{match.group(1)}")
        return ESCAPES[match.group(1)]

    return re.sub(r"\\(.)", escape, text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a PO file, obsolete ones (``#~``) left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None  # the field continuation lines add to

    def finish() -> None:
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path}:{number}"
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue  # translator, reference, previous (#|) and obsolete (#~) comments
        if line.startswith('"'):
            if entry is None or target is None:
                raise ValueError(f"{where}: a string continues nothing")
            value = unquote(line, where)
            name, form = target
            if name == "msgstr":
                entry.msgstr[form] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        match = KEYWORD.match(line)
        if match is None:
            raise ValueError(f"{where}: cannot read {line!r}")
        keyword, index, value = match.group(1), match.group(2), unquote(match.group(3), where)
        if keyword in ("msgctxt", "msgid") and entry is not None and entry.msgstr:
            finish()
        if entry is None:
            entry = Entry(line=number, flags=flags)
            flags = set()
        if keyword.startswith("msgstr"):
            position = int(index) if index is not None else 0
            entry.msgstr[position] = value
            target = ("msgstr", position)
        else:
            if keyword == "msgid":
                entry.line = number
            setattr(entry, keyword, value)
            target = (keyword, 0)
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    """The entries of a catalogue without its header (the entry whose msgid is empty)."""
    return [entry for entry in parse_po(path) if entry.msgid]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def plural_count(path: Path) -> int:
    header = next(entry for entry in parse_po(path) if not entry.msgid)
    found = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr.get(0, ""))
    assert found, f"{path}: the header has no Plural-Forms with nplurals"
    return int(found.group(1))


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def report(path: Path, problems: list[str]) -> str:
    return f"{relative(path)}:\n  " + "\n  ".join(problems)


def test_catalogues_are_found() -> None:
    assert PO_FILES, f"no django.po under {PACKAGE}"


@pytest.mark.parametrize("path", PO_FILES, ids=relative)
def test_every_entry_is_translated(path: Path) -> None:
    nplurals = plural_count(path)
    problems = []
    for entry in messages(path):
        if "fuzzy" in entry.flags:
            problems.append(f"{entry.name} is marked fuzzy")
        expected = range(nplurals) if entry.msgid_plural is not None else range(1)
        missing = [n for n in expected if not entry.msgstr.get(n)]
        if missing:
            forms = ", ".join(f"msgstr[{n}]" for n in missing)
            what = forms if entry.msgid_plural is not None else "msgstr"
            problems.append(f"{entry.name} has an empty {what}")
    assert not problems, report(path, problems)


@pytest.mark.parametrize("path", PO_FILES, ids=relative)
def test_translations_keep_the_placeholders(path: Path) -> None:
    problems = []
    for entry in messages(path):
        source = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        for position, text in sorted(entry.msgstr.items()):
            found = placeholders(text)
            if text and found != source:
                label = f"msgstr[{position}]" if entry.msgid_plural is not None else "msgstr"
                problems.append(
                    f"{entry.name}: {label} has {sorted(found)}, the source has {sorted(source)}"
                )
    assert not problems, report(path, problems)


@pytest.mark.parametrize("path", PO_FILES, ids=relative)
def test_compiled_catalogue_is_in_step(path: Path) -> None:
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{relative(path)} has no compiled {compiled.name}: run msgfmt"
    with compiled.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    problems = []
    for entry in messages(path):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if key not in catalogue:
                problems.append(f"{entry.name} is missing from {compiled.name}")
            elif catalogue[key] != entry.msgstr.get(0):
                problems.append(f"{entry.name} differs in {compiled.name}")
        else:
            for position, text in sorted(entry.msgstr.items()):
                if (key, position) not in catalogue:
                    problems.append(f"{entry.name} msgstr[{position}] is missing from the .mo")
                elif catalogue[(key, position)] != text:
                    problems.append(f"{entry.name} msgstr[{position}] differs in the .mo")
    assert not problems, report(path, problems) + "\nRecompile with msgfmt or compilemessages."


def test_the_parser_reads_plurals_context_and_continued_lines(tmp_path: Path) -> None:
    sample = tmp_path / "django.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : 1);\\n"\n\n'
        '#, fuzzy, python-format\nmsgctxt "menu"\nmsgid ""\n"%(count)s long "\n"line"\n'
        'msgid_plural "%(count)s lines"\nmsgstr[0] "a \\"b\\""\nmsgstr[1] ""\n"c"\nmsgstr[2] ""\n'
        '#~ msgid "old"\n#~ msgstr "alt"\n',
        encoding="utf-8",
    )
    [entry] = messages(sample)
    assert entry.msgctxt == "menu"
    assert entry.msgid == "%(count)s long line"
    assert entry.msgid_plural == "%(count)s lines"
    assert entry.msgstr == {0: 'a "b"', 1: "c", 2: ""}
    assert entry.flags == {"fuzzy", "python-format"}
    assert plural_count(sample) == 3
    assert placeholders("%(count)d of %s, 100%% done, (%)") == {"%(count)d", "%s"}
