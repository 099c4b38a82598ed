"""The self-check without JavaScript: the server sorts the answers into fit, do not fit and ask, never decides, and
keeps nothing."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ContactRequest, OutboxEmail
from portal.trials.self_check import (
    Answers,
    CheckItem,
    SelfCheck,
    SelfCheckError,
    evaluate,
    item_id,
    read_answers,
    read_answers_json,
)
from tests.self_check.helpers import OPEN_TRIAL, WOMEN_ONLY, list_under, questions, result_section

YEAR = 525960


def check(given: bool = True, minimum: int | None = 18 * YEAR, maximum: int | None = 65 * YEAR) -> SelfCheck:
    items = (
        CheckItem(item_id("inclusion", 1, "Has knee pain"), "inclusion", "Has knee pain"),
        CheckItem(item_id("exclusion", 1, "Is pregnant"), "exclusion", "Is pregnant"),
    )
    return SelfCheck(items, given, minimum, maximum, "FEMALE", False)


def codes(findings: list) -> list[str]:  # type: ignore[type-arg]
    return [f.code if f.item is None else f"{f.item.kind}:{f.answer}" for f in findings]


def test_inclusion_yes_and_exclusion_no_fit_the_opposites_do_not_and_not_sure_is_a_question() -> None:
    c = check()
    inclusion, exclusion = (item.id for item in c.items)
    fits = evaluate(c, Answers(items={inclusion: "yes", exclusion: "no"}))
    assert codes(fits.fits) == ["inclusion:yes", "exclusion:no"] and not fits.does_not_fit and not fits.not_sure
    misfit = evaluate(c, Answers(items={inclusion: "no", exclusion: "yes"}))
    assert codes(misfit.does_not_fit) == ["inclusion:no", "exclusion:yes"] and not misfit.fits
    unsure = evaluate(c, Answers(items={inclusion: "not-sure"}))
    assert codes(unsure.not_sure) == ["inclusion:not-sure"] and not unsure.ruled_out


@pytest.mark.parametrize(
    ("age", "where", "code"),
    [
        (17, "does_not_fit", "age-under"),
        (18, "fits", "age-fits"),
        (65, "fits", "age-fits"),
        (66, "does_not_fit", "age-over"),
    ],
)
def test_ages_are_compared_with_the_studys_limits_in_whole_years(age: int, where: str, code: str) -> None:
    result = evaluate(check(), Answers(age=age))
    assert codes(getattr(result, where)) == [code]
    assert result.ruled_out == ([code] if where == "does_not_fit" else [])


def test_a_limit_in_months_inside_the_year_of_age_is_a_question_not_a_rule_out() -> None:
    result = evaluate(check(minimum=round(YEAR * 1.5), maximum=None), Answers(age=1))  # "18 Months", aged 1
    assert codes(result.not_sure) == ["age-near"] and not result.ruled_out


def test_sex_not_accepted_rules_out_and_sex_accepted_fits() -> None:
    assert evaluate(check(), Answers(sex="male")).ruled_out == ["sex-not-accepted"]
    assert codes(evaluate(check(), Answers(sex="female")).fits) == ["sex-fits"]
    assert codes(evaluate(check(), Answers(sex="not-sure")).not_sure) == ["sex-ask"]


def test_unknown_eligibility_never_rules_anyone_out() -> None:
    unknown = check(given=False, minimum=None, maximum=None)
    result = evaluate(unknown, Answers(age=3, sex="male", condition="healthy"))
    assert not result.ruled_out and not result.does_not_fit
    assert codes(result.not_sure) == ["age-unknown", "sex-unknown", "healthy-unknown"]


def test_healthy_volunteers_not_taken_do_not_fit() -> None:
    assert codes(evaluate(check(), Answers(condition="healthy")).does_not_fit) == ["healthy-not-accepted"]
    assert codes(evaluate(check(), Answers(condition="condition")).fits) == ["condition-fits"]


def test_item_ids_follow_the_text_so_a_changed_criterion_does_not_take_an_old_answer() -> None:
    assert item_id("inclusion", 3, "Age ≥ 18  years") == item_id("inclusion", 3, "Age ≥ 18 years")
    assert item_id("inclusion", 3, "Age ≥ 18 years") != item_id("inclusion", 3, "Age ≥ 21 years")
    assert item_id("inclusion", 3, "Age ≥ 18 years") != item_id("inclusion", 4, "Age ≥ 18 years")
    old = item_id("inclusion", 1, "Has hip pain")
    with pytest.raises(SelfCheckError):
        read_answers(check(), {old: "yes"})


@pytest.mark.parametrize(
    "values",
    [
        {"in1-00000000": "yes"},  # a question this trial does not ask
        {"sex": "other"},
        {"condition": "yes"},
        {"age": "30", "csrf_token": "x"},
    ],
)
def test_answers_our_form_cannot_send_are_refused(values: dict[str, str]) -> None:
    with pytest.raises(SelfCheckError):
        read_answers(check(), values)


def test_the_attached_json_is_flat_known_and_capped() -> None:
    c = check()
    inclusion = c.items[0].id
    assert read_answers_json(c, f'{{"{inclusion}": "yes", "age": 40}}').items == {inclusion: "yes"}
    for text in ("[]", '{"age": {"x": 1}}', f'{{"{inclusion}": "maybe"}}', "{" + "x" * 20_000, "not json"):
        with pytest.raises(SelfCheckError):
            read_answers_json(c, text)


def stored_counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(ContactRequest)) or 0,
            db.session.scalar(select(func.count()).select_from(OutboxEmail)) or 0,
        )


def test_the_page_form_gives_fits_misfits_and_questions_and_keeps_nothing(
    app: Flask, client: FlaskClient, import_demo, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    asked = questions(client, OPEN_TRIAL)
    inclusion = [q for q in asked if q[1] == "inclusion"]
    exclusion = [q for q in asked if q[1] == "exclusion"]
    assert len(inclusion) == 5 and len(exclusion) == 11
    caplog.set_level(logging.DEBUG)
    answers = {
        "age": "47",
        "sex": "female",
        "condition": "condition",
        inclusion[1][0]: "yes",
        inclusion[2][0]: "no",
        exclusion[0][0]: "not-sure",
    }
    response = client.post(f"/trials/{OPEN_TRIAL}/self-check", data=answers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    shown = result_section(html)
    assert "Your age is within the study's age limits (18 to 69 years)." in list_under(html, "fits")
    assert inclusion[1][2][:30] in list_under(html, "fits")
    assert inclusion[2][2][:30] in list_under(html, "does-not-fit")
    assert exclusion[0][2][:30] in list_under(html, "not-sure")
    assert "Questions to ask the study team" in shown
    assert shown.rstrip().endswith("Only the study team can tell whether you can take part.")
    assert "does not take you" not in shown
    assert not re.search(r"eligib", shown, re.I)
    # the answers come back in the form, to change them
    assert 'name="age" inputmode="numeric" autocomplete="off" maxlength="3" value="47"' in html
    assert stored_counts(app) == (0, 0)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "47" not in logged and inclusion[1][0] not in logged


def test_a_rule_out_by_sex_says_so_plainly_and_points_to_other_trials(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(WOMEN_ONLY)
    html = client.post(f"/trials/{WOMEN_ONLY}/self-check", data={"sex": "male", "age": "30"}).get_data(as_text=True)
    shown = result_section(html)
    assert "This study does not take you, from what you told us" in shown
    assert "Because of your sex, this study does not take you: it takes only people of this sex: Female." in shown
    assert re.search(r'<a href="/trials\?q=[^"]+">Look for other open trials</a>', html)
    assert "Only the study team can tell whether you can take part." in shown
    assert not re.search(r"eligib", shown, re.I)


def test_a_rule_out_by_age(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    shown = result_section(client.post(f"/trials/{OPEN_TRIAL}/self-check", data={"age": "70"}).get_data(as_text=True))
    assert "Because of your age, this study does not take you: it takes people aged 18 to 69 years." in shown
    assert "Look for other open trials" in shown


def test_a_typed_age_that_is_not_a_number_is_shown_beside_the_field(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    response = client.post(f"/trials/{OPEN_TRIAL}/self-check", data={"age": "forty"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<p class="field-error" id="sc-age-error">Please enter your age as a whole number of years' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize(
    "data",
    [{"in1-00000000": "yes"}, {"sex": "x" * 5000}, {"condition": "\x00"}, {"age": "1" * 50}, {"<script>": "yes"}],
)
def test_hostile_answers_are_refused_and_nothing_is_stored(
    app: Flask, client: FlaskClient, import_demo, data: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    response = client.post(f"/trials/{OPEN_TRIAL}/self-check", data=data)
    assert 400 <= response.status_code < 500
    assert stored_counts(app) == (0, 0)


def test_the_trial_page_offers_the_check_after_who_can_take_part(client: FlaskClient, import_demo) -> None:  # type: ignore[no-untyped-def]
    import_demo(OPEN_TRIAL)
    html = client.get(f"/trials/{OPEN_TRIAL}").get_data(as_text=True)
    assert html.index('id="eligibility"') < html.index('id="self-check"') < html.index('id="locations"')
    assert f'href="/trials/{OPEN_TRIAL}/self-check">Answer the questions (16 criteria)</a>' in html
    assert 'id="attach_self_check" name="attach_self_check" type="checkbox" value="y">' in html  # unticked
    page = client.get(f"/trials/{OPEN_TRIAL}/self-check")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    questions_page = page.get_data(as_text=True)
    # the structured questions first, then each criterion
    assert (
        questions_page.index('name="age"') < questions_page.index('name="sex"') < questions_page.index("data-item-id")
    )
    assert client.get(f"/trials/{OPEN_TRIAL.lower()}/self-check").status_code == 301
    assert client.get("/trials/NCT99999999/self-check").status_code == 404
