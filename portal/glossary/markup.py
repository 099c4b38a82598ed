"""The trial page's explained words: a pass over a section's finished, sanitised HTML that turns the first use of
each glossary term into a link to /glossary#term (glossary.js makes it a button that shows the definition),
and spells out an unambiguous abbreviation the first time the criteria use it.

Only text between tags is touched, never a tag, an attribute or the inside of a link, button, heading, summary,
label, code or script. Text keeps the escaping it already has; everything added is escaped here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from portal.glossary.matching import TermMatcher, TrialMatches, abbreviation_regex, in_caps_run, term_matcher

# Text inside these is never changed: it is interactive already, a heading, code, or not text at all.
SKIPPED = frozenset(
    {"a", "button", "summary", "label", "select", "option", "textarea", "script", "style", "code", "pre",
     "abbr", "h1", "h2", "h3", "h4", "h5", "h6", "svg", "math", "template", "title", "noscript", "iframe"}
)  # fmt: skip
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)  # fmt: skip


# One token of HTML: a comment, a declaration or processing instruction, a start, end or self-closing tag (its
# attribute values may hold ">" when quoted), or a character or entity reference. Text is what lies between.
# The HTML here is nh3's sanitised output and the templates' own, so this reads it as html.parser would (checked
# chunk for chunk on every section of every repository trial, in three languages), in a third of the time.
_TOKEN_RE = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<![^>]*>|<\?[^>]*>"
    r"""|<(/?)([a-zA-Z][^\s/>]*)([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>"""
    r"|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);?",
    re.S,
)


def _chunks(source: str) -> list[tuple[str, str, str]]:
    """The HTML as (kind, tag, raw text) chunks, the raw text exactly as it stands: kind is "start", "end",
    "void" (a self-closing tag), "data" (text) or "other" (a comment, declaration or reference)."""
    out: list[tuple[str, str, str]] = []
    position = 0
    for match in _TOKEN_RE.finditer(source):
        if match.start() > position:
            out.append(("data", "", source[position : match.start()]))
        closing, name, rest = match.groups()
        if name is None:
            kind = "other"
        elif closing:
            kind = "end"
        else:
            kind = "void" if rest.endswith("/") else "start"
        out.append((kind, name.lower() if name else "", match.group(0)))
        position = match.end()
    if position < len(source):
        out.append(("data", "", source[position:]))
    return out


@dataclass
class PageGlossary:
    """The explained words of one page render: which terms and abbreviations the trial uses (stored at import),
    and what each section has explained so far."""

    matches: TrialMatches
    glossary_url: str  # the /glossary page, without the fragment
    _seen_terms: set[str] = field(default_factory=set)
    _seen_abbreviations: set[str] = field(default_factory=set)
    explained: list[str] = field(default_factory=list)  # slugs, in order of first use on the page
    expanded: list[str] = field(default_factory=list)  # abbreviations spelled out on the page

    def section(self, html: str, abbreviations: bool = False) -> Markup:
        """The section's HTML with its first uses explained. A new <section> starts afresh."""
        matcher = term_matcher(self.matches.terms)
        shorts = frozenset(self.matches.abbreviations) if abbreviations else frozenset()
        out: list[str] = []
        skipping: list[str] = []
        for kind, tag, raw in _chunks(str(html)):
            if kind == "start":
                if tag == "section":
                    self._seen_terms.clear()
                    self._seen_abbreviations.clear()
                if tag in SKIPPED and tag not in VOID:
                    skipping.append(tag)
            elif kind == "end" and skipping and skipping[-1] == tag:
                skipping.pop()
            if kind == "data" and not skipping:
                out.append(self._text(raw, matcher, shorts))
            else:
                out.append(raw)
        return Markup("".join(out))  # noqa: S704  (the input was safe HTML; every addition is escaped)

    def _text(self, raw: str, matcher: TermMatcher, shorts: frozenset[str]) -> str:
        pieces: list[str] = []
        position = 0
        for match, slug in matcher.find(raw):
            if slug in self._seen_terms:
                continue
            self._seen_terms.add(slug)
            pieces.append(self._abbreviations(raw, position, match.start(), shorts))
            pieces.append(self._control(slug, match.group(0)))
            position = match.end()
        pieces.append(self._abbreviations(raw, position, len(raw), shorts))
        return "".join(pieces)

    def _abbreviations(self, raw: str, start: int, end: int, shorts: frozenset[str]) -> str:
        if not shorts:
            return raw[start:end]
        pieces: list[str] = []
        position = start
        for match in abbreviation_regex(shorts).finditer(raw, start, end):
            short = match.group(0)
            if short in self._seen_abbreviations or in_caps_run(raw, match.start(), match.end()):
                continue
            self._seen_abbreviations.add(short)
            if raw[match.end() : match.end() + 2].lstrip().startswith("("):
                continue  # the record spells it out itself, right there
            pieces.append(raw[position : match.end()])
            meaning = self.matches.abbreviations[short]
            pieces.append(f' <span class="abbreviation-expansion" data-notes-ui>({escape(meaning)})</span>')
            if short not in self.expanded:
                self.expanded.append(short)
            position = match.end()
        pieces.append(raw[position:end])
        return "".join(pieces)

    def _control(self, slug: str, text: str) -> str:
        """A link to the glossary entry; glossary.js makes it a button that shows the definition in place. Kept
        this small on purpose: a big trial explains a hundred words, and each costs every visitor bytes."""
        if slug not in self.explained:
            self.explained.append(slug)
        href = escape(f"{self.glossary_url}#{slug}")
        return f'<a class="glossary-term" href="{href}">{escape(text)}</a>'
