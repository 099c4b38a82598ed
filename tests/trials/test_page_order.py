"""The trial page in the order a patient reads it: the header, "In short", then the sections, with a long
description folded away and the notes panel after the content."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from portal.text import split_long_markdown
from tests.conftest import REPO
from tests.forms import find_csrf_token
from tests.trials.test_pages import read, study

LARGE = "NCT04267848"  # 1,148 sites, a 700-word description, recruiting
SMALL = "NCT04600544"  # a short description


@pytest.fixture(autouse=True)
def trials(import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(LARGE, SMALL, "NCT04012996", "NCT02210780")


def positions(html: str, *ids: str) -> list[int]:
    found = [html.find(f'id="{section}"') for section in ids]
    assert -1 not in found, dict(zip(ids, found, strict=True))
    return found


def section(html: str, section_id: str) -> str:
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def test_the_sections_come_in_the_order_a_patient_reads_them(client: FlaskClient) -> None:
    # On wide screens "In short" is shown as a side column (tests/browser/test_design.py), but only the CSS grid
    # moves it: in the document, which screen readers, phones and print follow, it stays right after the header.
    html = client.get(f"/trials/{LARGE}").get_data(as_text=True)
    order = ("trial-title", "in-short", "overview", "testing", "eligibility", "self-check", "locations", "contact")
    order += ("team",)
    order += ("details", "faqs")
    found = positions(html, *order)
    assert found == sorted(found)
    toc = re.findall(r'<li><a href="#([a-z-]+)"', html.split('class="toc"', 1)[1].split("</nav>", 1)[0])
    assert toc[:4] == ["overview", "testing", "eligibility", "self-check"]
    assert toc[4:] == ["locations", "contact", "team", "details", "faqs"]


def test_the_notes_panel_comes_after_the_content_with_a_small_control_near_the_top(client: FlaskClient) -> None:
    html = client.get(f"/trials/{LARGE}").get_data(as_text=True)
    notes, details, faqs = positions(html, "my-notes", "details", "faqs")
    assert notes > details and notes > faqs
    control = re.search(r'<li hidden data-notes-ui[^>]*><a class="[^"]*js-notes-count[^"]*" href="#my-notes">', html)
    assert control is not None and control.start() < html.find('id="overview"')
    # The control's words come from the scripts' catalogue in the page's language (static/js/notes.js).
    assert '_("My notes (%(num)s)", { num: notes.length })' in (REPO / "static/js/notes.js").read_text(encoding="utf-8")


def test_in_short_gives_condition_what_is_tested_who_can_join_and_status(client: FlaskClient) -> None:
    box = section(client.get(f"/trials/{LARGE}").get_data(as_text=True), "in-short")
    text = " ".join(" ".join(read(box).text).split())
    record = study(LARGE)["protocolSection"]
    conditions = record["conditionsModule"]["conditions"]
    interventions = [item["name"] for item in record["armsInterventionsModule"]["interventions"]]
    assert f"{conditions[0]}, {conditions[1]}, {conditions[2]} and {len(conditions) - 3} more" in text
    assert f"{interventions[0]}, {interventions[1]}, {interventions[2]} and {len(interventions) - 3} more" in text
    assert "Ages: 18 years and older; Sex: All; Healthy volunteers cannot join" in text
    assert "Recruiting" in text
    # No place is known yet: the box offers to find the nearest site instead of naming one.
    assert "Find the study site nearest to you" in text and "miles from" not in text


def test_in_short_names_the_nearest_site_once_the_place_is_known(client: FlaskClient) -> None:
    token = find_csrf_token(client.get(f"/trials/{LARGE}").get_data(as_text=True))
    html = client.post(
        f"/trials/{LARGE}/contact", data={"csrf_token": token, "action": "locate", "place": "90210"}
    ).get_data(as_text=True)
    text = " ".join(" ".join(read(section(html, "in-short")).text).split())
    nearest = re.search(r"Nearest recruiting site (.+?): (\d+) miles? from Beverly Hills, CA 90210", text)
    assert nearest is not None, text
    first_choice = re.search(r'<optgroup label="Recruiting now">\s*<option value="\d+"[^>]*>([^<]+) \(', html)
    assert first_choice is not None
    assert first_choice.group(1).replace("&#39;", "'") == nearest.group(1)
    assert int(nearest.group(2)) < 20


def test_a_trial_without_a_contact_form_has_no_nearest_site_line(client: FlaskClient) -> None:
    box = section(client.get("/trials/NCT02210780").get_data(as_text=True), "in-short")  # completed
    assert "Nearest recruiting site" not in box
    assert "Who can join" in box


def test_a_long_description_is_folded_after_about_150_words(client: FlaskClient) -> None:
    description = section(client.get(f"/trials/{LARGE}").get_data(as_text=True), "description")
    shown, folded = description.split('<details class="more-text">', 1)
    assert "<summary>Read the full description</summary>" in folded
    shown_words = len(" ".join(read(shown).text).split())
    assert 100 <= shown_words <= 200
    full = study(LARGE)["protocolSection"]["descriptionModule"]["detailedDescription"]
    # Nothing is lost: the lead and the folded part hold the whole text, in order.
    # (Read as text: a glossary word inside it is a link.)
    shown_text, folded_text = (re.sub(r"\s+", " ", "".join(read(part).text)) for part in (shown, folded))
    assert "PRIMARY OBJECTIVE" in shown_text and "QUALITY OF LIFE OBJECTIVES" in folded_text
    assert full.rstrip().rsplit(" ", 1)[-1].rstrip(".") in folded_text


def test_a_short_description_is_shown_whole(client: FlaskClient) -> None:
    html = client.get(f"/trials/{SMALL}").get_data(as_text=True)
    if 'id="description"' in html:
        assert "more-text" not in section(html, "description")
    assert "Read the full description" not in html


@pytest.mark.parametrize(
    ("text", "lead", "rest"),
    [
        ("A short text.", "A short text.", ""),
        # A bit longer than the lead is not worth folding.
        ("word " * 190, "word " * 190, ""),
        # Paragraphs: cut at the paragraph that passes the lead.
        ("one two three.\n\n" * 80, ("one two three.\n\n" * 50).rstrip(), ("one two three.\n\n" * 30).strip()),
        # A label goes with what it introduces.
        (
            "intro words here. " * 49 + "\n\nSECONDARY:\n\n" + "more words here. " * 60,
            ("intro words here. " * 49).rstrip(),
            "SECONDARY:\n\n" + ("more words here. " * 60).strip(),
        ),
        # One long paragraph: cut after the sentence that passes the lead.
        ("Ten words in this sentence make it easy to count. " * 30, None, None),
        # A long list first stays whole, behind the summary.
        ("- an item of the list\n" * 100, "", "- an item of the list\n" * 100),
    ],
)
def test_split_long_markdown(text: str, lead: str | None, rest: str | None) -> None:
    got_lead, got_rest = split_long_markdown(text, 150)
    if lead is None:
        assert len(got_lead.split()) == 150 and got_lead.endswith("count.")
        assert f"{got_lead} {got_rest}" == text.strip()
    else:
        assert (got_lead, got_rest) == (lead, rest)
