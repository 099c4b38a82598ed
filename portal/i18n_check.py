"""The translation gates: `python -m portal.i18n_check [check|compile|extract]` (run by `make i18n-check`).

check   extracts every marked string from the code (babel.cfg: Python, templates, JavaScript) and fails when a
        catalogue lacks one, has it fuzzy or empty, or its placeholders differ; and when a template shows text that
        is not marked for translation.
compile writes each catalogue's .mo beside its .po (never committed: built by `make run`, `make test` and the
        package build).
extract writes the template, portal/translations/messages.pot, for `pybabel update`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
# The languages with a catalogue of their own (English is the source); config.LANGUAGES lists the same.
TRANSLATED = ("es", "zh_Hans")

_EXPRESSION_RE = re.compile(r"\{\{.*?\}\}", re.S)
_STATEMENT_RE = re.compile(r"\{%.*?%\}", re.S)
_COMMENT_RE = re.compile(r"\{#.*?#\}", re.S)
_TRANS_BLOCK_RE = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.S)
_WORDS_RE = re.compile(r"[A-Za-z]{2,}")
# A macro that writes attributes (outside any tag, so the HTML parser reads them as text), and the body's class.
_ATTRIBUTE_RE = re.compile(r"[\w:-]+=\"[^\"]*\"")
_CLASS_BLOCK_RE = re.compile(r"\{%-?\s*block body_class\s*-?%\}.*?\{%-?\s*endblock\s*-?%\}", re.S)
# Attributes a person reads or hears.
_READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description", "aria-roledescription"}
# Text that is the same in every language: names, units and codes.
_SAME_EVERYWHERE = ("ClinicalTrials.gov", "NCT", "PubMed", "MedlinePlus", "HPO", "PDF", "CSV", "JSON")


def _wanted(directory: str) -> bool:
    """Babel skips folders whose names start with "_" by default: that would leave out templates/_macros and
    templates/_partials. Only hidden folders, caches and the virtualenv are skipped here."""
    name = Path(directory).name
    return not name.startswith(".") and name not in {"__pycache__", "node_modules", "instance", "build"}


def extract() -> Catalog:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog(project="trial-portal", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True, directory_filter=_wanted
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def catalogue_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def read_catalogue(locale: str) -> Catalog:
    with catalogue_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def catalogue_problems(template: Catalog, locale: str) -> list[str]:
    """What is wrong with one language's catalogue against the strings the code marks."""
    path = catalogue_path(locale)
    if not path.exists():
        return [f"{locale}: no catalogue at {path}"]
    catalog = read_catalogue(locale)
    problems = []
    for message in template:
        if not message.id:
            continue
        own = catalog.get(message.id, context=message.context)
        label = f"{locale}: {_key(message.id)!r}"
        if own is None:
            problems.append(f"{label} is missing")
            continue
        if own.fuzzy:
            problems.append(f"{label} is fuzzy")
        strings = own.string if isinstance(own.string, tuple | list) else (own.string,)
        if message.pluralizable and not isinstance(own.id, tuple | list):
            problems.append(f"{label} has no plural forms")
        elif any(not text for text in strings) or not strings:
            problems.append(f"{label} is not translated")
        if own.string and own.python_format or message.python_format:
            for error in _placeholder_errors(message.id, own.string):
                problems.append(f"{label}: {error}")
    return problems


_PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def _placeholder_errors(source: str | tuple[str, ...], translated: str | tuple[str, ...]) -> list[str]:
    sources = [source] if isinstance(source, str) else list(source)
    wanted = set().union(*(_PLACEHOLDER_RE.findall(text) for text in sources))
    errors = []
    for text in [translated] if isinstance(translated, str) else list(translated):
        if not text:
            continue
        found = set(_PLACEHOLDER_RE.findall(text))
        if not found <= wanted:
            errors.append(f"placeholders {sorted(found - wanted)} are not in the English text")
    return errors


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in _READ_ATTRIBUTES and value:
                self.texts.append(value)
        if tag == "input":
            kind = dict(attrs).get("type")
            value = dict(attrs).get("value")
            if kind in {"submit", "button", "reset"} and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.texts.append(data)


def visible_template_text(source: str, html: bool) -> list[str]:
    """Text a template shows that no gettext call or trans block produces."""
    text = _COMMENT_RE.sub(" ", source)
    text = _TRANS_BLOCK_RE.sub(" ", text)
    text = _CLASS_BLOCK_RE.sub(" ", text)
    text = _STATEMENT_RE.sub(" ", _EXPRESSION_RE.sub("0", text))  # an expression's output is one opaque word
    if html:
        collector = _TextCollector()
        collector.feed(text)
        collector.close()
        pieces = collector.texts
    else:
        pieces = text.splitlines()
    found = []
    for piece in pieces:
        original = " ".join(piece.split())
        piece = _ATTRIBUTE_RE.sub(" ", piece) if html else piece
        for name in _SAME_EVERYWHERE:
            piece = piece.replace(name, " ")
        words = _WORDS_RE.findall(piece)
        if any(word for word in words if not word.isupper() or len(word) > 4):
            found.append(original)
    return found


def unmarked_template_text() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        for text in visible_template_text(path.read_text(encoding="utf-8"), html=path.suffix == ".html"):
            yield str(path.relative_to(ROOT)), text


def check() -> list[str]:
    template = extract()
    problems = [problem for locale in TRANSLATED for problem in catalogue_problems(template, locale)]
    problems += [f"{path}: text not marked for translation: {text!r}" for path, text in unmarked_template_text()]
    return problems


def compile_catalogues() -> list[Path]:
    written = []
    for locale in TRANSLATED:
        po = catalogue_path(locale)
        if not po.exists():
            continue
        catalog = read_catalogue(locale)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "compile":
        for path in compile_catalogues():
            print(f"compiled {path.relative_to(ROOT)}")
        return 0
    if command == "extract":
        TRANSLATIONS.mkdir(exist_ok=True)
        with (TRANSLATIONS / "messages.pot").open("wb") as handle:
            write_po(handle, extract(), omit_header=False, sort_output=True, include_lineno=False)
        return 0
    if command != "check":
        print(f"unknown command {command!r}: use check, compile or extract", file=sys.stderr)
        return 2
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} translation problem(s)" if problems else "catalogues complete")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
