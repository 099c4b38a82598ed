"""Split ClinicalTrials.gov ``eligibilityCriteria`` text into inclusion and exclusion items.

The text is CommonMark-ish and written by hand, so the parser is line based and lenient:

* Headings: a short line (at any indentation, optionally bulleted, bold or ``#``) made of up to five
  words, then "inclusion"/"exclusion", optionally "criteria" and a short qualifier ("Key Inclusion
  Criteria:", "Exclusion criteria for Part A:", "III.6 EXCLUSION CRITERIA", "Inclusion:"). Text after
  the heading's colon is parsed as content. Lines with verbs ("must", "apply", "not", "meeting" ...)
  or with both keywords ("inclusion/exclusion criteria apply") are not headings.
  Other sub-headings ("Part A:", "Smokers:") don't start sections. See the next points.
* Items: ``* - + • · o`` bullets and ``1.``/``1)``/``a.``/``(a)``/``iv.`` numbers. A line that's
  indented more than the open item's marker is its child, even if CommonMark would need more indentation.
  Escaped markers (``3\\.``, ``\\-``) stay text, as CommonMark says. Empty items are dropped and
  their children move up. Nesting deeper than ``_MAX_DEPTH`` is flattened.
* Continuation: a line that isn't blank and isn't an item, inside a list, wraps the deepest item.
  After a blank line, an indented paragraph goes to the item it's indented under. Its text joins that
  item's text with a space, or becomes a child item without a bullet if the item already has children.
* Paragraphs in a section: those before its first list are ``intro``. Those after are items. A
  paragraph that ends with ":" (or is ``\\[bracketed\\]``) just before a list becomes that list's parent
  item ("Smokers:" -> its bullets). It stays intro instead when it's the section's only such paragraph
  and comes before the first list ("Candidates must meet all of the following:").
* An inclusion/exclusion section that has no list at all gets one item per paragraph. A section with no
  heading and no list keeps its paragraphs as ``intro``. Blank input gives no sections. Any other input
  gives at least one section that isn't empty.
* Text before the first heading is kind "other", except a list there when the only headings are
  exclusion headings: it is then the inclusion list, whose heading is missing ("Eligibility criteria:").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

SectionKind = Literal["inclusion", "exclusion", "other"]

_MAX_DEPTH = 32

_MARKER_RE = re.compile(
    r"""(?:
        [*+\-•·◦▪‣](?=\s|$)                              # bullets
      | o(?=\s)                                         # "o" used as a bullet glyph
      | [\-•·](?=[^\W\d_])                               # "-Acute ...", "•Subject ..." (no space)
      | (?:[0-9]{1,3}|[A-Za-z]|[ivxIVX]{2,5})[.)](?=\s|$)  # 1.  1)  a.  iv)
      | \((?:[0-9]{1,3}|[A-Za-z]|[ivxIVX]{2,5})\)(?=\s|$)  # (1)  (a)  (iv)
    )\s*""",
    re.VERBOSE,
)
_KEYWORD_RE = re.compile(r"\b(in|ex)clusions?\b", re.IGNORECASE)
_CRITERIA_RE = re.compile(r"\s+criteri[a-z]*\b", re.IGNORECASE)
_BOTH_RE = re.compile(r"(?=.*\binclusion)(?=.*\bexclusion)", re.IGNORECASE | re.DOTALL)
_WORD_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
# Words that make a line a sentence about criteria rather than a heading ("must meet", "may apply").
_DENY_WORDS = """
not no nor non meet meets meeting met fulfil fulfill fulfils fulfills fulfilling satisfy satisfies
satisfying is are was were be been will would may might must should shall could can cannot apply
applies applied has have had do does did see following listed above below who which that
"""
_DENY = frozenset(_DENY_WORDS.split())
_DENY_BEFORE = _DENY | {"the", "any", "all", "with", "than"}
_GROUP_LABEL_RE = re.compile(r"(?s)(?:.*:|\\?\[.*\\?\])")


@dataclass(frozen=True)
class CriterionItem:
    """One criterion: its own CommonMark text (marker removed) and its nested sub-items."""

    text: str
    children: tuple[CriterionItem, ...] = ()


@dataclass(frozen=True)
class CriteriaSection:
    """A run of text under one heading (``heading`` is None for text before any heading)."""

    kind: SectionKind
    heading: str | None
    intro: tuple[str, ...]
    items: tuple[CriterionItem, ...]


@dataclass(frozen=True)
class ParsedCriteria:
    """The parsed criteria text; ``raw`` is the text as given ("" for None)."""

    raw: str
    sections: tuple[CriteriaSection, ...]

    def _items(self, kind: SectionKind) -> tuple[CriterionItem, ...]:
        return tuple(item for s in self.sections if s.kind == kind for item in s.items)

    @property
    def inclusion(self) -> tuple[CriterionItem, ...]:
        return self._items("inclusion")

    @property
    def exclusion(self) -> tuple[CriterionItem, ...]:
        return self._items("exclusion")

    @property
    def is_structured(self) -> bool:
        return any(s.items for s in self.sections if s.kind != "other")


def _words_ok(text: str, deny: frozenset[str] | set[str], limit: int) -> bool:
    words = _WORD_RE.findall(text.lower())
    return len(words) <= limit and not any(w in deny for w in words)


def _match_heading(content: str) -> tuple[SectionKind, str, str] | None:
    """Return (kind, cleaned heading, rest of line) if ``content`` starts with a section heading."""
    marker = _MARKER_RE.match(content)
    line = content[marker.end() :] if marker else content
    line = re.sub(r"^(?:#{1,6}\s+|[*_]{2,}\s*)", "", line)
    keyword = _KEYWORD_RE.search(line, 0, 120)
    if keyword is None:
        return None
    before = line[: keyword.start()]
    pos = keyword.end()
    criteria = _CRITERIA_RE.match(line, pos)
    if (not criteria and before.strip()) or not _words_ok(before, _DENY_BEFORE, 5):
        return None
    if criteria:
        pos = criteria.end()
    tail = line[pos:]
    stripped = tail.lstrip(" *_")
    if stripped.startswith(":") or (criteria and re.match(r"\.\s", stripped)):
        head_end, rest = len(line) - len(stripped), stripped[1:]
    elif criteria:
        colon = tail.find(":")
        qualifier = tail if colon < 0 else tail[:colon]
        if colon < 0 and len(qualifier) > 100:
            return None
        if re.search(r"[;?!]|\.\s", qualifier) or not _words_ok(qualifier, _DENY, 14):
            return None
        head_end, rest = pos + len(qualifier), ("" if colon < 0 else tail[colon + 1 :])
    elif stripped.strip(" .*_"):
        return None
    else:
        head_end, rest = len(line), ""
    heading = line[:head_end].strip().rstrip(" *_.:").strip()
    if len(heading) > 120 or _BOTH_RE.match(heading):
        return None
    kind: SectionKind = "inclusion" if keyword.group(1).lower() == "in" else "exclusion"
    return kind, heading, rest.strip()


@dataclass
class _Node:
    indent: int
    parts: list[str]
    children: list[_Node] = field(default_factory=list)


@dataclass
class _Para:
    lines: list[str]


@dataclass
class _List:
    roots: list[_Node] = field(default_factory=list)


def _freeze(nodes: list[_Node]) -> list[CriterionItem]:
    out: list[CriterionItem] = []
    for node in nodes:
        children = _freeze(node.children)
        text = " ".join(node.parts)
        if text:
            out.append(CriterionItem(text, tuple(children)))
        else:
            out.extend(children)
    return out


class _Section:
    """Accumulates the blocks (paragraphs and lists) of one section while lines are fed in."""

    def __init__(self, kind: SectionKind, heading: str | None) -> None:
        self.kind, self.heading = kind, heading
        self.blocks: list[_Para | _List] = []
        self.stack: list[_Node] = []
        self.para_open = False
        self.after_blank = False

    def blank(self) -> None:
        self.para_open = False
        self.after_blank = True

    def add_item(self, indent: int, text: str) -> None:
        last = self.blocks[-1] if self.blocks else None
        if not isinstance(last, _List):
            last = _List()
            self.blocks.append(last)
            self.stack = []
        while self.stack and (self.stack[-1].indent >= indent or len(self.stack) >= _MAX_DEPTH):
            self.stack.pop()
        node = _Node(indent, [text] if text else [])
        (self.stack[-1].children if self.stack else last.roots).append(node)
        self.stack.append(node)
        self.para_open = self.after_blank = False

    def add_text(self, indent: int, text: str) -> None:
        last = self.blocks[-1] if self.blocks else None
        if isinstance(last, _Para) and self.para_open:
            last.lines.append(text)
        elif isinstance(last, _List) and self.stack and not self.after_blank:
            self.stack[-1].parts.append(text)  # wrapped (lazy) continuation line
        else:
            if isinstance(last, _List):
                while self.stack and self.stack[-1].indent >= indent:
                    self.stack.pop()
            if isinstance(last, _List) and self.stack:
                owner = self.stack[-1]
                if owner.children and len(self.stack) < _MAX_DEPTH:
                    node = _Node(indent, [text])
                    owner.children.append(node)
                    self.stack.append(node)
                else:
                    owner.parts.append(text)
            else:
                self.blocks.append(_Para([text]))
                self.stack = []
                self.para_open = True
        self.after_blank = False

    def finish(self) -> CriteriaSection:
        blocks = self.blocks
        intro: list[str] = []
        items: list[CriterionItem] = []
        lists = [i for i, b in enumerate(blocks) if isinstance(b, _List)]
        if not lists:
            texts = [" ".join(b.lines) for b in blocks if isinstance(b, _Para)]
            if self.kind == "other":
                intro = texts
            else:
                items = [CriterionItem(t) for t in texts]
            return CriteriaSection(self.kind, self.heading, tuple(intro), tuple(items))
        labels = [
            i
            for i, b in enumerate(blocks[:-1])
            if isinstance(b, _Para)
            and isinstance(blocks[i + 1], _List)
            and _GROUP_LABEL_RE.fullmatch(" ".join(b.lines))
        ]
        groups = {i for i in labels if i > lists[0] or len(labels) > 1}
        skip = -1
        for i, block in enumerate(blocks):
            if i == skip:
                continue
            if isinstance(block, _List):
                items.extend(_freeze(block.roots))
                continue
            text = " ".join(block.lines)
            if i in groups and isinstance(following := blocks[i + 1], _List):
                items.append(CriterionItem(text, tuple(_freeze(following.roots))))
                skip = i + 1
            elif i < lists[0]:
                intro.append(text)
            else:
                items.append(CriterionItem(text))
        return CriteriaSection(self.kind, self.heading, tuple(intro), tuple(items))


def _split_indent(line: str) -> tuple[int, str]:
    """Return the indentation column (tabs stop every 4 columns) and the stripped content."""
    indentation = line[: len(line) - len(line.lstrip(" \t"))]
    return len(indentation.expandtabs(4)), line.strip()


def parse_criteria(text: str | None) -> ParsedCriteria:
    """Parse an ``eligibilityCriteria`` string; never raises, never loses words (see module docstring)."""
    raw = text if isinstance(text, str) else ""
    normalized = raw.replace("\r\n", "\n").replace("\r", "\n")
    sections: list[CriteriaSection] = []
    current = _Section("other", None)
    for line in normalized.split("\n"):
        indent, content = _split_indent(line)
        headings = 0  # capped so that a line of repeated headings stays linear
        while content and headings < 8 and (heading := _match_heading(content)) is not None:
            done = current.finish()
            if done.heading is not None or done.intro or done.items:
                sections.append(done)
            current = _Section(heading[0], heading[1])
            content, indent, headings = heading[2], 0, headings + 1
        if not content:
            if not headings:
                current.blank()
            continue
        marker = _MARKER_RE.match(content)
        if marker:
            current.add_item(indent, content[marker.end() :])
        else:
            current.add_text(indent, content)
    done = current.finish()
    if done.heading is not None or done.intro or done.items:
        sections.append(done)
    kinds = {section.kind for section in sections}
    if sections and sections[0].heading is None and sections[0].items and kinds == {"other", "exclusion"}:
        sections[0] = replace(sections[0], kind="inclusion")  # list before the only (exclusion) heading
    if not sections and normalized.strip():
        sections.append(CriteriaSection("other", None, (normalized.strip(),), ()))
    return ParsedCriteria(raw, tuple(sections))
