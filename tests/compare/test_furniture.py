"""Channel furniture in compare/claims.py: line keys, the shared list (compare/data/furniture.yaml), the
outlet's own name, chapter lists, and lines the outlet repeats (learned from the corpus) make no claim."""
import re

import pytest

from parallax.compare.claims import (
    MAX_FURNITURE_KEY,
    furniture_spans,
    is_furniture_key,
    line_key,
    split_claims,
)
from parallax.model import AnalyzedArticle, Article, Sentence
from parallax.nlp.segment import split_sentences, split_tokens
from parallax.resources import load_yaml


def _doc(text, outlet="Вестник", one_sentence=False):
    d = AnalyzedArticle(article=Article(id="a", text=text, outlet=outlet))
    d.sentences = [Sentence(0, 0, len(text), text, 0)] if one_sentence else split_sentences(text)
    d.tokens = split_tokens(text, d.sentences)
    return d


KEYS = """
👉 Топор Live. Подписаться                          | топор live подписаться
Читать нас без VPN можно здесь: bit.ly/bbcrussian   | читать нас без vpn можно здесь
Подписаться](https://t.me/+KnfcPt4fhT9kNjRi)        | подписаться
Ёлку установят 25 декабря, @mos_news                | елку установят декабря
🎯 Подписывайся на SHOT                              | подписывайся на shot
https://t.me/banksta/61621                          |
18+                                                 |
"""


@pytest.mark.parametrize("line,key", [[x.strip() for x in row.split("|")] for row in KEYS.strip().splitlines()])
def test_line_key_drops_links_handles_digits_emoji_and_punctuation(line, key):
    assert line_key(line) == key


# outlet | line | furniture (by the shared list, the outlet's name, or an empty key)
DEFAULTS = """
Топор Live                | 👉 Топор Live.                                           | 1
Топор Live                | 👉 Топор +18. Подписаться                                | 1
BBC News | Русская служба | Читать нас без VPN можно здесь: bit.ly/bbcrussian        | 1
BBC News | Русская служба | 🎧Слушайте подкаст «Что это было?»                       | 1
BBC News | Русская служба | Подробнее — на нашем сайте: https://bbc.in/3ZmbOQK       | 1
BBC News | Русская служба | на сайте |в Youtube |на Substack| на других платформах    | 1
BBC News | Русская служба | Если ссылка выше не открывается, читайте здесь.          | 1
BBC News | Русская служба | ❗️Главное к утру среды                                   | 1
BBC News | Русская служба | Подробнее о ситуации в Республике Корея читайте на нашем сайте: https://bbc.in/49hLZpy | 1
Вестник                   | Подробнее о проверке рассказал министр                   | 0
Москва - новостная        | 🔴 Подписаться на Москву - новостную                     | 1
Москва с огоньком         | 🔴 Подписаться | Прислать новость                        | 1
Банкста                   | @banksta                                                 | 1
Ньюсач/Двач               | #промо                                                   | 1
Вестник                   | Сайт не работает.                                        | 0
Вестник                   | Подписаться на рассылку призывов можно на Госуслугах    | 0
Вестник                   | Выпуск продукции сократился на 5%.                       | 0
Вестник                   | Главное управление МВД проводит проверку                 | 0
Топор Live                | Топор Live оштрафовали за рекламу                        | 0
Вестник                   | Министр прибыл в Анкару.                                 | 0
"""


def _rows(table):
    for row in table.strip().splitlines():
        # the outlet may hold a '|' itself ('BBC News | Русская служба'): the line is the next-to-last cell
        *outlet, line, flag = [x.strip() for x in row.split(" | ")]
        yield " | ".join(outlet), line, flag == "1"


@pytest.mark.parametrize("outlet,line,furniture", list(_rows(DEFAULTS)))
def test_shared_list_and_outlet_name(outlet, line, furniture):
    assert is_furniture_key(line_key(line), outlet) is furniture


def test_learned_keys_count_only_for_short_lines():
    key = "вестник главное без цензуры"
    assert not is_furniture_key(key, "Вестник Плюс")
    assert is_furniture_key(key, "Вестник Плюс", frozenset({key}))
    long_key = "а" * (MAX_FURNITURE_KEY + 1)
    assert not is_furniture_key(long_key, "x", frozenset({long_key}))


def test_every_shared_phrase_is_a_regular_expression_of_whole_words():
    groups = load_yaml("compare/data/furniture.yaml")["phrases"]
    assert set(groups) >= {"subscribe", "send_news", "read_us", "our_site", "podcast"}
    for phrases in groups.values():
        for phrase in phrases:
            re.compile(phrase)
            assert not phrase.startswith(" ") and not phrase.endswith(" ")


def test_chapter_lists_from_00_00_are_furniture_but_a_timeline_is_not():
    chapters = ("В новом выпуске разбираем помилование.\n\n00:00 Ведущий — Илья Кизиров. Приветствие\n"
                "03:39 Почему Байден нарушил обещание\n1:02:10 Что дальше\nБайден помиловал сына.")
    spans = [chapters[s:e] for s, e in furniture_spans(chapters, "BBC")]
    assert spans == ["00:00 Ведущий — Илья Кизиров. Приветствие", "03:39 Почему Байден нарушил обещание",
                     "1:02:10 Что дальше"]
    timeline = "08:15 Прогремел первый взрыв.\n08:40 На место прибыли спасатели."
    assert furniture_spans(timeline, "BBC") == []


def test_learned_line_makes_no_claim_and_stays_in_the_text():
    text = "Министр прибыл в Пхеньян.\n⚡ Вестник: главное без цензуры\nВизит заранее не анонсировался."
    learned = frozenset({"вестник главное без цензуры"})
    assert len(split_claims(_doc(text, "Вестник Плюс"))) == 3
    claims = split_claims(_doc(text, "Вестник Плюс"), learned)
    assert [c.text for c in claims] == ["Министр прибыл в Пхеньян.", "Визит заранее не анонсировался."]
    assert [c.index for c in claims] == [0, 1]
    assert "без цензуры" in _doc(text).text


def test_a_sentence_running_into_a_furniture_line_keeps_only_its_statement():
    text = "Министр прибыл в Пхеньян с официальным визитом\n👉 Топор Live. Подписаться"
    [claim] = split_claims(_doc(text, "Топор Live", one_sentence=True))
    assert claim.text == "Министр прибыл в Пхеньян с официальным визитом"


def test_links_handles_and_figures_alone_are_no_claims():
    text = "Дефицит кадров достиг рекордного уровня. @banksta\nhttps://t.me/banksta/61621\n18+"
    assert [c.text for c in split_claims(_doc(text, "Банкста"))] == ["Дефицит кадров достиг рекордного уровня."]
