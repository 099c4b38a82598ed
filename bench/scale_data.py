"""The scale data set: N synthetic trials (default 100,000, ~20 sites each) made from the real records in the repo.

Each trial is a copy of a real full record (one with a statusModule, from tests/data/ctgov-bulk and
portal/demo_trials) with a synthetic NCT ID (NCT8xxxxxxx; other benches use NCT9), conditions/MeSH terms, keywords,
interventions and sponsor sometimes swapped in from other records, a varied title, and a drawn status, phase, study
type, age range, sex and healthy-volunteer flag. Its sites are all new: a long-tailed count (mean ~20, a few trials
with 1,000+), each a real site or a US ZIP centroid with jittered coordinates (some without any), statuses that fit
the trial's. Written as JSON array files (--per-file studies each) in --out, one study at a time; deterministic for
a --seed.

    .venv/bin/python bench/scale_data.py --out /tmp/scale-100k [--count 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import zipcodes
from benchlib import BenchError
from import_speed import full_records

MANIFEST = "manifest.json"
# Overall status mix: ~30% recruiting and ~10% not yet recruiting, as the search defaults care about.
STATUSES = {
    "RECRUITING": 30,
    "NOT_YET_RECRUITING": 10,
    "COMPLETED": 31,
    "ACTIVE_NOT_RECRUITING": 8,
    "UNKNOWN": 8,
    "TERMINATED": 6,
    "ENROLLING_BY_INVITATION": 3,
    "WITHDRAWN": 2,
    "SUSPENDED": 2,
}
STUDY_TYPES = {"INTERVENTIONAL": 75, "OBSERVATIONAL": 24, "EXPANDED_ACCESS": 1}
PHASES = {
    ("NA",): 35,
    ("PHASE2",): 18,
    ("PHASE3",): 13,
    ("PHASE1",): 12,
    ("PHASE1", "PHASE2"): 8,
    ("PHASE4",): 6,
    ("PHASE2", "PHASE3"): 4,
    ("EARLY_PHASE1",): 4,
}
MIN_AGES = {
    "18 Years": 55,
    None: 12,
    "12 Years": 5,
    "2 Years": 3,
    "6 Months": 2,
    "40 Years": 8,
    "50 Years": 8,
    "65 Years": 7,
}
MAX_AGES = {None: 45, "65 Years": 12, "75 Years": 12, "80 Years": 10, "99 Years": 6, "17 Years": 8, "45 Years": 7}
SEXES = {"ALL": 85, "FEMALE": 10, "MALE": 5}
# Site statuses by trial status; None is "no status given", as ClinicalTrials.gov does for closed studies.
SITE_STATUSES = {
    "RECRUITING": {"RECRUITING": 78, "NOT_YET_RECRUITING": 10, None: 6, "ACTIVE_NOT_RECRUITING": 3, "WITHDRAWN": 3},
    "NOT_YET_RECRUITING": {"NOT_YET_RECRUITING": 88, None: 8, "RECRUITING": 4},
    "ENROLLING_BY_INVITATION": {"ENROLLING_BY_INVITATION": 80, None: 20},
}
CLOSED_SITE_STATUSES = {None: 90, "COMPLETED": 5, "ACTIVE_NOT_RECRUITING": 5}
FACILITY_SUFFIXES = [
    "Medical Center",
    "Regional Hospital",
    "Cancer Center",
    "Clinical Research",
    "Health Clinic",
    "University Hospital",
    "Research Institute",
    "Heart and Vascular Center",
    "Children's Hospital",
]
TITLE_PREFIXES = ["A Study of", "A Trial of", "Evaluating", "Pilot Study of", "Long-term Follow-up of", "Testing"]
TITLE_SUFFIXES = [
    "Extension Study",
    "Cohort 2",
    "Open-label Extension",
    "Multicentre Study",
    "in Adults",
    "a Randomised Controlled Trial",
    "Real-world Evidence",
    "Phase 2 Part",
]
NO_SITES_SHARE = 0.08  # trials listing no location at all
MAX_SITES = 3000
SITES_SIGMA = 1.4  # lognormal spread of the site count: a median of ~8, 1,000+ for ~1 trial in 3,000
NO_COORDINATES_SHARE = 0.05
US_ZIP_SHARE = 0.55  # the rest are jittered copies of real sites (about a third of those are in the US too)


def weighted(rng: random.Random, table: dict[Any, int]) -> Any:
    return rng.choices(list(table), weights=list(table.values()))[0]


def capped_lognormal_mean(mu: float, sigma: float, cap: float) -> float:
    """E[min(X, cap)] for X lognormal(mu, sigma)."""
    normal, log_cap = NormalDist(), math.log(cap)
    below = math.exp(mu + sigma**2 / 2) * normal.cdf((log_cap - mu - sigma**2) / sigma)
    return below + cap * (1 - normal.cdf((log_cap - mu) / sigma))


def sites_mu(mean_sites: float) -> float:
    """The lognormal mu that gives trials with sites a mean count so that all trials average `mean_sites`."""
    target, low, high = mean_sites / (1 - NO_SITES_SHARE), -5.0, 10.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if capped_lognormal_mean(mid, SITES_SIGMA, MAX_SITES) < target else (low, mid)
    return (low + high) / 2


@dataclass
class Pools:
    """What trials borrow from each other: records (as JSON text), condition modules, sites, ZIP centroids."""

    bases: list[str]
    conditions: list[tuple[dict[str, Any], dict[str, Any] | None]]  # conditionsModule, conditionBrowseModule
    keywords: list[str]
    interventions: list[dict[str, Any]]
    sponsors: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    zips: list[dict[str, str]]


def load_pools() -> Pools:
    bases = full_records()
    if not bases:
        raise BenchError("no full records found in tests/data/ctgov-bulk or portal/demo_trials")
    conditions, keywords, interventions, sponsors, sites = [], set(), [], [], []
    for text in bases:
        study = json.loads(text)
        protocol = study["protocolSection"]
        module = protocol.get("conditionsModule") or {}
        if module.get("conditions"):
            browse = (study.get("derivedSection") or {}).get("conditionBrowseModule")
            conditions.append(({"conditions": module["conditions"]}, browse))
        keywords.update(module.get("keywords") or [])
        if (arms := protocol.get("armsInterventionsModule")) and arms.get("interventions"):
            interventions.append(arms)
        if lead := (protocol.get("sponsorCollaboratorsModule") or {}).get("leadSponsor"):
            sponsors.append(lead)
        for loc in (protocol.get("contactsLocationsModule") or {}).get("locations") or []:
            if loc.get("geoPoint") and loc.get("city"):
                sites.append(
                    {k: loc[k] for k in ("facility", "city", "state", "zip", "country", "geoPoint") if k in loc}
                )
    zips = [
        {"city": z["city"], "state": z["state"], "zip": z["zip_code"], "lat": z["lat"], "lon": z["long"]}
        for z in zipcodes.list_all()
        if z["zip_code_type"] == "STANDARD" and z["active"] and z["lat"] and z["long"]
    ]
    return Pools(bases, conditions, sorted(keywords), interventions, sponsors, sites, zips)


def make_site(rng: random.Random, pools: Pools, status: str | None) -> dict[str, Any]:
    if rng.random() < US_ZIP_SHARE:
        z = rng.choice(pools.zips)
        site = {
            "facility": f"{z['city'].title()} {rng.choice(FACILITY_SUFFIXES)}",
            "city": z["city"].title(),
            "state": z["state"],
            "zip": z["zip"],
            "country": "United States",
            "geoPoint": {"lat": float(z["lat"]), "lon": float(z["lon"])},
        }
    else:
        site = dict(rng.choice(pools.sites))
    point = site.pop("geoPoint")
    if rng.random() >= NO_COORDINATES_SHARE:
        # Up to ~0.05 degrees (a few km) off: nearby sites differ, yet stay in the same town.
        site["geoPoint"] = {
            "lat": round(max(-90.0, min(90.0, point["lat"] + rng.uniform(-0.05, 0.05))), 5),
            "lon": round(max(-180.0, min(180.0, point["lon"] + rng.uniform(-0.05, 0.05))), 5),
        }
    if status is not None:
        site["status"] = status
    return site


def vary_title(rng: random.Random, title: str, condition: str | None) -> str:
    roll = rng.random()
    if roll < 0.35:
        return title
    if roll < 0.55:
        return f"{title}: {rng.choice(TITLE_SUFFIXES)}"
    if roll < 0.75 and condition:
        return f"{rng.choice(TITLE_PREFIXES)} {title.split(':')[0]} in {condition}"
    words = title.split()
    middle = words[1:-1]
    rng.shuffle(middle)  # same words, another order: the text index sees the same terms, titles differ
    return " ".join(words[:1] + middle + words[-1:]) if len(words) > 2 else title


def make_study(rng: random.Random, pools: Pools, number: int, mu: float) -> dict[str, Any]:
    study = json.loads(rng.choice(pools.bases))  # a fresh deep copy
    protocol = study["protocolSection"]
    protocol["identificationModule"]["nctId"] = f"NCT8{number:07d}"
    if rng.random() < 0.6:
        module, browse = rng.choice(pools.conditions)
        protocol["conditionsModule"] = {**protocol.get("conditionsModule", {}), **module}
        derived = study.setdefault("derivedSection", {})
        derived.pop("conditionBrowseModule", None)
        if browse is not None:
            derived["conditionBrowseModule"] = browse
    conditions_module = protocol.setdefault("conditionsModule", {})
    if rng.random() < 0.5:
        conditions_module["keywords"] = rng.sample(pools.keywords, k=min(len(pools.keywords), rng.randint(1, 4)))
    if pools.interventions and rng.random() < 0.3:
        protocol["armsInterventionsModule"] = rng.choice(pools.interventions)
    if pools.sponsors and rng.random() < 0.3:
        protocol.setdefault("sponsorCollaboratorsModule", {})["leadSponsor"] = rng.choice(pools.sponsors)
    ident = protocol["identificationModule"]
    first_condition = (conditions_module.get("conditions") or [None])[0]
    title = ident.get("briefTitle") or ident.get("officialTitle") or "Untitled study"
    ident["briefTitle"] = vary_title(rng, title, first_condition)

    status = weighted(rng, STATUSES)
    status_module = protocol["statusModule"]
    status_module["overallStatus"] = status
    year, month, day = rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28)
    status_module["lastUpdatePostDateStruct"] = {"date": f"{year}-{month:02d}-{day:02d}", "type": "ACTUAL"}
    design = protocol.setdefault("designModule", {})
    design["studyType"] = weighted(rng, STUDY_TYPES)
    if design["studyType"] == "INTERVENTIONAL":
        design["phases"] = list(weighted(rng, PHASES))
    else:
        design.pop("phases", None)
    eligibility = protocol.setdefault("eligibilityModule", {})
    for key in ("minimumAge", "maximumAge"):
        eligibility.pop(key, None)
    low, high = weighted(rng, MIN_AGES), weighted(rng, MAX_AGES)
    if low is not None:
        eligibility["minimumAge"] = low
    if high is not None and (low is None or _years(low) < _years(high)):
        eligibility["maximumAge"] = high
    eligibility["sex"] = weighted(rng, SEXES)
    eligibility["healthyVolunteers"] = rng.random() < 0.2

    count = 0 if rng.random() < NO_SITES_SHARE else min(MAX_SITES, max(1, round(rng.lognormvariate(mu, SITES_SIGMA))))
    statuses = SITE_STATUSES.get(status, CLOSED_SITE_STATUSES)
    locations = [make_site(rng, pools, weighted(rng, statuses)) for _ in range(count)]
    contacts = protocol.setdefault("contactsLocationsModule", {})
    contacts["locations"] = locations
    return study


def _years(age: str) -> float:
    amount, unit = age.split()
    return float(amount) / (12 if unit.startswith("Month") else 1)


def generate(out: Path, count: int, per_file: int, seed: int, mean_sites: float) -> dict[str, Any]:
    """Write the set and a manifest; returns the manifest (files, trials, sites, bytes, seconds)."""
    if not 1 <= count <= 10_000_000:
        raise BenchError("--count must be between 1 and 10,000,000 (synthetic IDs are NCT8 plus 7 digits)")
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    if any(out.glob("scale-*.json")):
        raise BenchError(f"{out} already holds scale-*.json files; give an empty or new directory")
    rng, pools, mu = random.Random(seed), load_pools(), sites_mu(mean_sites)
    files, sites, total_bytes, statuses = [], 0, 0, dict.fromkeys(STATUSES, 0)
    most_sites, big_trials = 0, 0
    for first in range(0, count, per_file):
        path, file_sites = out / f"scale-{first // per_file + 1:05d}.json", 0
        with path.open("w", encoding="utf-8") as handle:
            handle.write("[\n")
            for number in range(first, min(first + per_file, count)):
                study = make_study(rng, pools, number, mu)
                site_count = len(study["protocolSection"]["contactsLocationsModule"]["locations"])
                sites, file_sites = sites + site_count, file_sites + site_count
                most_sites, big_trials = max(most_sites, site_count), big_trials + (site_count >= 1000)
                statuses[study["protocolSection"]["statusModule"]["overallStatus"]] += 1
                handle.write(("" if number == first else ",\n") + json.dumps(study, ensure_ascii=False))
            handle.write("\n]\n")
        total_bytes += path.stat().st_size
        files.append({"file": path.name, "trials": min(per_file, count - first), "sites": file_sites})
    manifest = {
        "seed": seed,
        "trials": count,
        "sites": sites,
        "most_sites": most_sites,
        "trials_with_1000_sites": big_trials,
        "per_file": per_file,
        "files": files,
        "bytes": total_bytes,
        "statuses": statuses,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the files (new or empty)")
    parser.add_argument("--count", type=int, default=100_000, help="trials (default 100000)")
    parser.add_argument("--per-file", type=int, default=1000, help="studies per JSON array file (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same files")
    parser.add_argument("--sites-per-trial", type=float, default=20.0, help="mean sites per trial (default 20)")
    args = parser.parse_args(argv)
    if args.per_file < 1 or args.sites_per_trial <= 0:
        parser.error("--per-file and --sites-per-trial must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Nothing made here forms a cycle; the collector walking the record pools again and again took 40% of the time.
    gc.freeze()
    gc.disable()
    try:
        m = generate(args.out, args.count, args.per_file, args.seed, args.sites_per_trial)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    mix = ", ".join(f"{name} {n / m['trials']:.0%}" for name, n in m["statuses"].items())
    print(
        f"wrote {len(m['files'])} files to {args.out}: {m['trials']:,} trials, {m['sites']:,} sites "
        f"({m['sites'] / m['trials']:.1f} per trial; most {m['most_sites']:,}; "
        f"{m['trials_with_1000_sites']} with 1,000+), {m['bytes'] / 1_048_576:,.1f} MiB in {m['seconds']:.1f} s "
        f"(seed {m['seed']})\nstatuses: {mix}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
