"""'Could this study fit me?': the questions for a trial, strict reading of answers, and an evaluation that never
decides. static/js/self-check.js applies the same rules in the browser, reading the limits the page renders."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from portal.ctgov.ages import MINUTES_PER_YEAR
from portal.ctgov.criteria import CriterionItem, parse_criteria
from portal.models import Trial
from portal.text import to_plain_text
from portal.validation import parse_whole

AGE, SEX, CONDITION = "age", "sex", "condition"
STRUCTURED = (AGE, SEX, CONDITION)
ITEM_ANSWERS = ("yes", "no", "not-sure")
SEX_ANSWERS = ("female", "male", "not-sure")
CONDITION_ANSWERS = ("condition", "healthy", "not-sure")
MAX_AGE = 130
# The JSON a contact form may carry: generous for 200 items, small enough to refuse junk unread.
MAX_JSON_CHARS = 16_000
MAX_ITEM_TEXT = 2_000
_ID_RE = re.compile(r"^(?:in|ex)[0-9]{1,3}-[0-9a-f]{8}$")
_SPACE_RE = re.compile(r"\s+")


class SelfCheckError(ValueError):
    """Answers that our form cannot have sent: an unknown question, an unknown answer, too much."""


@dataclass(frozen=True)
class CheckItem:
    id: str
    kind: str  # "inclusion" or "exclusion"
    text: str  # plain text, the sub-items joined on


@dataclass(frozen=True)
class SelfCheck:
    """A trial's questions and the limits the structured answers are compared with."""

    items: tuple[CheckItem, ...]
    given: bool  # False: the record gave no eligibility module, so ages and sex are unknown, never a reason
    minimum_minutes: int | None
    maximum_minutes: int | None
    sex: str | None  # ALL, FEMALE, MALE
    healthy_volunteers: bool | None

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(item.id for item in self.items)


def _item_text(item: CriterionItem) -> str:
    parts = [item.text, *(_item_text(child) for child in item.children)]
    text = "; ".join(part for part in (_SPACE_RE.sub(" ", to_plain_text(p)).strip() for p in parts) if part)
    return text[:MAX_ITEM_TEXT]


def item_id(kind: str, position: int, text: str) -> str:
    """Stable across renders: the item's place in its list and a hash of its words, so an answer given to an old
    version of a criterion never counts for a changed one."""
    digest = hashlib.sha256(_SPACE_RE.sub(" ", text).strip().casefold().encode("utf-8")).hexdigest()[:8]
    return f"{kind[:2]}{position}-{digest}"


def self_check_for(trial: Trial) -> SelfCheck | None:
    """The questions for a trial; None when it lists no criteria to ask about."""
    criteria = parse_criteria(trial.eligibility_criteria)
    items: list[CheckItem] = []
    for kind, listed in (("inclusion", criteria.inclusion), ("exclusion", criteria.exclusion)):
        for position, criterion in enumerate(listed[:999], start=1):
            text = _item_text(criterion)
            if text:
                items.append(CheckItem(item_id(kind, position, text), kind, text))
    if not items and not (trial.eligibility_criteria or "").strip():
        return None
    return SelfCheck(
        items=tuple(items),
        given=trial.eligibility_given,
        minimum_minutes=trial.minimum_age_minutes,
        maximum_minutes=trial.maximum_age_minutes,
        sex=trial.sex,
        healthy_volunteers=trial.healthy_volunteers,
    )


@dataclass(frozen=True)
class Answers:
    age: int | None = None
    sex: str | None = None
    condition: str | None = None
    items: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.age is None and self.sex is None and self.condition is None and not self.items


class AgeError(SelfCheckError):
    """An age typed that is not a whole number of years: shown beside the field, not refused."""


def read_answers(check: SelfCheck, values: Mapping[str, str]) -> Answers:
    """Answers from a form or the contact form's JSON. Unknown names or values raise SelfCheckError (our form cannot
    send them); a blank answer is no answer. A typed age that is not a number raises AgeError."""
    known = check.ids
    items: dict[str, str] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise SelfCheckError("answers are text")
        if name in STRUCTURED:
            continue
        if not _ID_RE.match(name) or name not in known:
            raise SelfCheckError("unknown question")
        if value not in ITEM_ANSWERS:
            raise SelfCheckError("unknown answer")
        items[name] = value
    sex = values.get(SEX) or None
    condition = values.get(CONDITION) or None
    if sex is not None and sex not in SEX_ANSWERS:
        raise SelfCheckError("unknown answer")
    if condition is not None and condition not in CONDITION_ANSWERS:
        raise SelfCheckError("unknown answer")
    typed_age = (values.get(AGE) or "").strip()
    if len(typed_age) > 20:
        raise SelfCheckError("age too long")
    age = parse_whole(typed_age, 0, MAX_AGE) if typed_age else None
    if typed_age and age is None:
        raise AgeError("not an age")
    return Answers(age, sex, condition, items)


def read_answers_json(check: SelfCheck, text: str) -> Answers:
    """The contact form's hidden field: a flat JSON object of question ids to answers, size-capped."""
    if len(text) > MAX_JSON_CHARS:
        raise SelfCheckError("too long")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SelfCheckError("not JSON") from exc
    if not isinstance(data, dict) or len(data) > len(check.items) + len(STRUCTURED):
        raise SelfCheckError("not a flat object of answers")
    if isinstance(data.get(AGE), int) and not isinstance(data.get(AGE), bool):
        data[AGE] = str(data[AGE])
    return read_answers(check, data)


# The evaluation gives codes; the page (and the script, from data attributes) turns them into sentences.
@dataclass(frozen=True)
class Finding:
    code: str  # "item" for a criterion, else a structured code such as "age-over"
    item: CheckItem | None = None
    answer: str | None = None


@dataclass
class SelfCheckResult:
    fits: list[Finding] = field(default_factory=list)
    does_not_fit: list[Finding] = field(default_factory=list)
    not_sure: list[Finding] = field(default_factory=list)
    # Structured answers that the study's own limits rule out: said plainly, with other trials beside it.
    ruled_out: list[str] = field(default_factory=list)


def _age(check: SelfCheck, age: int) -> tuple[str, str]:
    """(list, code): an age in whole years covers a year of ages, from `age` to just under `age + 1`."""
    if not check.given:
        return "not_sure", "age-unknown"
    low, high = age * MINUTES_PER_YEAR, (age + 1) * MINUTES_PER_YEAR
    if check.minimum_minutes is not None and high <= check.minimum_minutes:
        return "does_not_fit", "age-under"
    if check.maximum_minutes is not None and low > check.maximum_minutes:
        return "does_not_fit", "age-over"
    if check.minimum_minutes is not None and low < check.minimum_minutes:
        return "not_sure", "age-near"
    return "fits", "age-fits"


def _sex(check: SelfCheck, sex: str) -> tuple[str, str]:
    if sex == "not-sure":
        return "not_sure", "sex-ask"
    if not check.given or check.sex not in {"ALL", "FEMALE", "MALE"}:
        return "not_sure", "sex-unknown"
    if check.sex == "ALL" or check.sex == sex.upper():
        return "fits", "sex-fits"
    return "does_not_fit", "sex-not-accepted"


def _condition(check: SelfCheck, condition: str) -> tuple[str, str]:
    if condition == "not-sure":
        return "not_sure", "condition-ask"
    if condition == "condition":
        return "fits", "condition-fits"
    if not check.given or check.healthy_volunteers is None:
        return "not_sure", "healthy-unknown"
    return ("fits", "healthy-fits") if check.healthy_volunteers else ("does_not_fit", "healthy-not-accepted")


RULE_OUTS = frozenset({"age-under", "age-over", "sex-not-accepted"})


def evaluate(check: SelfCheck, answers: Answers) -> SelfCheckResult:
    """Which answers fit, which do not, which to ask about. It never says whether someone can take part."""
    result = SelfCheckResult()
    placed: list[tuple[str, Finding]] = []
    if answers.age is not None:
        where, code = _age(check, answers.age)
        placed.append((where, Finding(code, answer=str(answers.age))))
    if answers.sex is not None:
        where, code = _sex(check, answers.sex)
        placed.append((where, Finding(code, answer=answers.sex)))
    if answers.condition is not None:
        where, code = _condition(check, answers.condition)
        placed.append((where, Finding(code, answer=answers.condition)))
    for item in check.items:
        answer = answers.items.get(item.id)
        if answer is None:
            continue
        if answer == "not-sure":
            where = "not_sure"
        elif (answer == "yes") == (item.kind == "inclusion"):
            where = "fits"
        else:
            where = "does_not_fit"
        placed.append((where, Finding("item", item, answer)))
    for where, finding in placed:
        getattr(result, where).append(finding)
        if finding.code in RULE_OUTS:
            result.ruled_out.append(finding.code)
    return result


def attached_answers(check: SelfCheck, answers: Answers) -> list[dict[str, str]]:
    """What a contact request keeps: each answered question's id, kind, text as the patient saw it, and answer."""
    rows: list[dict[str, str]] = []
    if answers.age is not None:
        rows.append({"id": AGE, "kind": AGE, "text": "", "answer": str(answers.age)})
    if answers.sex is not None:
        rows.append({"id": SEX, "kind": SEX, "text": "", "answer": answers.sex})
    if answers.condition is not None:
        rows.append({"id": CONDITION, "kind": CONDITION, "text": "", "answer": answers.condition})
    for item in check.items:
        if item.id in answers.items:
            rows.append({"id": item.id, "kind": item.kind, "text": item.text, "answer": answers.items[item.id]})
    return rows
