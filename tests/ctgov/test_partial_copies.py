"""Which records are partial copies: the modules every complete record has, checked on every record in the repo."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from typing import Any

from portal.ctgov.record import ALWAYS_GIVEN_MODULES, missing_modules, normalise_study
from tests.conftest import CTGOV_BULK, DEMO_TRIALS

PARTIAL_EXPORT = "dgarzon11__clinicaltrialsHFpEF__duchenne_studies_sample.json.gz"


def importable_studies() -> dict[str, tuple[str, dict[str, Any]]]:
    """Every record the importer takes (it refuses those without a status), by NCT ID, with its file's name."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    files = [(p.name, json.loads(p.read_text())) for p in sorted(DEMO_TRIALS.glob("*.json"))]
    files += [(p.name, json.loads(gzip.decompress(p.read_bytes()))) for p in sorted(CTGOV_BULK.glob("*.json.gz"))]
    for name, data in files:
        for study in data if isinstance(data, list) else data.get("studies", [data]):
            protocol = study["protocolSection"]
            if (protocol.get("statusModule") or {}).get("overallStatus"):
                found[protocol["identificationModule"]["nctId"]] = (name, study)
    return found


def test_only_the_partial_export_lacks_a_module_every_complete_record_has() -> None:
    studies = importable_studies()
    missing = Counter((name, missing_modules(study)) for name, study in studies.values())
    partial = {key: count for key, count in missing.items() if key[1]}
    assert partial == {(PARTIAL_EXPORT, ("descriptionModule", "eligibilityModule")): 427}
    assert sum(missing.values()) - 427 == 891
    # The list is not too short either: the modules it leaves out are missing from some complete records.
    complete = [study for name, study in studies.values() if name != PARTIAL_EXPORT]
    for optional in ("contactsLocationsModule", "armsInterventionsModule", "outcomesModule"):
        assert optional not in ALWAYS_GIVEN_MODULES
        assert any(optional not in study["protocolSection"] for study in complete)


def test_eligibility_given_follows_the_module_not_the_ages() -> None:
    studies = importable_studies()
    _, infant = studies["NCT05412394"]
    columns = normalise_study(infant).columns
    assert columns["eligibility_given"] is False
    assert (columns["sex"], columns["minimum_age_minutes"], columns["healthy_volunteers"]) == (None, None, None)

    _, no_limits = studies["NCT04409171"]  # an eligibility module with no age limit: any age, as the registry says
    columns = normalise_study(no_limits).columns
    assert columns["eligibility_given"] is True and columns["minimum_age_minutes"] is None
    assert missing_modules(no_limits) == ()
