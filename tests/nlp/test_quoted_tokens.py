"""nlp/spans.py `quoted_tokens`: which words of a sentence are a quotation's — the one reading behind a claim's
clauses (compare/claims.py) and the events it states in its own voice (compare/events.py `own_voice`). One case
a line: the sentence, then the words expected inside quotation marks (marks left out), joined by spaces."""
import re

import pytest

from parallax.compare.events import own_voice
from parallax.model import Token
from parallax.nlp.spans import quoted_tokens


def tokens_of(text: str) -> list[Token]:
    return [Token(m.start(), m.end(), m.group(), m.group().lower()) for m in re.finditer(r"\w+|[^\w\s]", text)]


CASES = [
    ("Песков заявил, что «ответ будет» скоро.", "ответ будет"),
    ("«Мы не отступим», — сказал министр.", "Мы не отступим"),
    ("Он назвал это „позором“ и ушёл.", "позором"),
    ("Он назвал это “позором” и ушёл.", "позором"),                    # English-style marks close with ”
    ('Депутат назвал решение "ошибкой" и потребовал отставки.', "ошибкой"),
    ("Сделку одобрил «Газпром «нефть»» вчера.", "Газпром нефть"),        # nested marks: one quotation
    ("Министр сказал: «Мы победим.", "Мы победим ."),                    # the quotation goes on in the next sentence
    ("Мы победим», — сказал министр.", ""),                    # a closing mark alone quotes nothing (a stray mark?)
    ("Никаких кавычек в этом предложении нет.", ""),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_quoted_words(text, expected):
    tokens = tokens_of(text)
    marks = set("«»„“”\"")
    quoted = [t.text for t, q in zip(tokens, quoted_tokens(tokens)) if q and t.text not in marks]
    assert " ".join(quoted) == expected


def test_own_voice_keeps_the_words_outside_quotations():
    tokens = tokens_of("«Мы победим», — сказал министр “на брифинге”.")
    assert [t.text for t in own_voice(tokens)] == [",", "—", "сказал", "министр", "."]


def test_no_tokens():
    assert quoted_tokens([]) == []
