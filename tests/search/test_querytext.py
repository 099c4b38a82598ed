"""The reasons shown beside a result: the fast stem check must say exactly what word-by-word stemming says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.search.filters import TextMatch
from portal.search.querytext import StemMatcher, plain_words, stem


def slow_check(text: str, stems: set[str]) -> bool:
    return any(stem(word) in stems for word in plain_words(text))


WORDS = ["diabetes", "diabetic", "flies", "fly", "therapies", "Crohn's", "crÈme", "Ödeme", "the", "doing", "b", "_ab"]


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=12).map(" ".join),
    words=st.lists(st.one_of(st.sampled_from(WORDS), st.text(min_size=1, max_size=8)), min_size=1, max_size=4),
)
def test_stem_matcher_agrees_with_word_by_word_stemming(text: str, words: list[str]) -> None:
    stems = {stem(w) for phrase in words for w in plain_words(phrase)}
    assert StemMatcher(stems)(text) is slow_check(text, stems)


def test_stem_matcher_examples() -> None:
    has_stem = StemMatcher({stem("diabetes"), stem("flies")})
    assert has_stem("Adults with Type 2 DIABETIC kidney disease")
    assert has_stem("a study of fruit fly genetics")
    assert not has_stem("prediabetes screening")  # a word inside another word is not a match
    assert not has_stem(None) and not StemMatcher(set())("diabetes")
    assert StemMatcher({stem("oedeme")})("Œdème after surgery") is slow_check("Œdème after surgery", {stem("oedeme")})


def test_synonym_alternatives_that_add_no_trial_are_left_out() -> None:
    """ "diabetes mellitus" finds only trials "diabetes" finds: searching for it too costs time and adds nothing."""
    assert TextMatch("sqlite", "diabetes").texts == ["diabetes"]
    texts = TextMatch("sqlite", "type 2 diabetes").texts
    assert "type ii diabetes" in texts and "type ii diabetes mellitus" not in texts
    word_sets = [set(plain_words(t)) for t in texts]
    assert not any(a <= b for i, a in enumerate(word_sets) for j, b in enumerate(word_sets) if i != j)
    # A phrase or an `or` is not a plain set of words: its alternatives stay.
    assert len(TextMatch("sqlite", '"heart attack" or stroke').texts) > 1
