"""The roster is not public: which searches may be matched against names."""

import pytest

from facilities.privacy import roster_name_query_allowed


@pytest.mark.parametrize("query", ["dia", "Ana", "an diaz", "o'ne", "José", "  smi  "])
def test_a_word_of_three_letters_may_search_names(query):
    assert roster_name_query_allowed(query)


@pytest.mark.parametrize("query", ["", " ", "a", "an", "a d", "di az", "12", "1234", "a-1", "..."])
def test_shorter_words_digits_and_punctuation_may_not(query):
    assert not roster_name_query_allowed(query)
