"""Reading the self-check's questions from a trial page, as a browser would, and answering them."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.trials.test_page_truth import visible

OPEN_TRIAL = "NCT04012996"  # all sexes, 18 to 69 years, healthy volunteers accepted, 5 inclusion and 11 exclusion
WOMEN_ONLY = "NCT06388018"  # female only, 18 years and older, recruiting

_ITEM_RE = re.compile(r'data-item-id="([^"]+)" data-kind="(inclusion|exclusion)">\s*<legend>([^<]*)</legend>')


def questions(client: FlaskClient, nct_id: str) -> list[tuple[str, str, str]]:
    """(id, kind, text) of each criterion the trial page asks about, in page order."""
    html = client.get(f"/trials/{nct_id}/self-check").get_data(as_text=True)
    return [(item_id, kind, text.strip()) for item_id, kind, text in _ITEM_RE.findall(html)]


def result_section(html: str) -> str:
    """The visible text of the result on the self-check page, up to its closing sentence."""
    outcome = html.split('<div class="self-check__outcome">', 1)[1]
    return visible(outcome.split("</strong></p>", 1)[0])


def list_under(html: str, css: str) -> str:
    match = re.search(rf'<ul class="self-check__list self-check__list--{css}">(.*?)</ul>', html, re.S)
    return visible(match.group(1)) if match else ""
