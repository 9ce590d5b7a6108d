from collections import Counter

import pytest
import yaml
from profile_docs import make_doc, quoted_doc

from parallax.compare.framing import parse_lexicon
from parallax.model import ClaimGroup, ClaimMember, StoryComparison
from parallax.outlets.wordchoice import (
    PairObservation,
    candidates_yaml,
    claim_pair_observations,
    count_terms,
    count_terms_by_voice,
    discover,
    pair_log_odds,
    rank_pairs,
    settings,
    story_observations,
)


def observe(a: str, b: str, mentions_a=(), mentions_b=()):
    da = make_doc(a, *mentions_a, article_id="a", outlet="A")
    db = make_doc(b, *mentions_b, article_id="b", outlet="B")
    return claim_pair_observations(da, 0, len(a), db, 0, len(b), story="s", group="c1")


def test_substitution_in_the_same_slot_is_a_pair():
    [o] = observe("Освобождение Курской области продолжается.", "Бои в Курской области продолжаются.")
    assert (o.term_a, o.term_b, o.anchor, o.outlet_a, o.outlet_b) == ("освобождение", "бой", "курский", "A", "B")
    assert o.text_a == "Освобождение" and o.text_b == "Бои"


def test_synonyms_before_the_same_verb():
    [o] = observe("Беспилотники атаковали нефтебазу в Брянской области.",
                  "Дроны атаковали нефтебазу в Брянской области.")
    assert {o.term_a, o.term_b} == {"беспилотник", "дрон"}


def test_different_named_entities_are_different_referents():
    a, b = "Минобороны Южной Кореи заявило о введении положения.", "Президент Южной Кореи заявил о введении положения."
    assert observe(a, b, [("Минобороны Южной Кореи", "ORG", "e1")], [("Президент Южной Кореи", "PER", "e2")]) == []


def test_speech_verbs_are_attribution_style_not_word_choice():
    assert "заявить" in settings().ignore
    assert observe("Путин заявил журналистам о переговорах.", "Путин сообщил журналистам о переговорах.") == []


def test_claims_that_are_not_paraphrases_give_nothing():
    assert observe("Войска заняли село на востоке страны.", "Погода в Москве будет теплой всю неделю.") == []


def test_digits_and_elaborations_are_not_terms():
    assert observe("Погибли 12 человек в Курской области.", "Погибли 15 человек в Курской области.") == []
    assert observe("Владимир Путин прибыл в Пекин.", "Путин прибыл в Пекин.") == []


def test_story_observations_skip_same_outlet_and_reprints():
    a = make_doc("Освобождение Курской области продолжается.", article_id="a", outlet="A")
    b = make_doc("Бои в Курской области продолжаются.", article_id="b", outlet="B")
    c = make_doc("Бои в Курской области продолжаются.", article_id="c", outlet="B")
    c.article.meta["reprint_of"] = "b"
    members = [ClaimMember(article=d.id, text=d.text, start=0, end=len(d.text), sentence=0) for d in (a, b, c)]
    story = StoryComparison(id="s", articles=[a, b, c], entities=[], quotes=[], framing=[], attributions=[],
                            claims=[ClaimGroup(id="c1", status="consensus", members=members)])
    obs = story_observations(story)
    assert [(o.outlet_a, o.outlet_b) for o in obs] == [("A", "B")]


def test_counts_are_lemma_ngrams_per_outlet():
    docs = {"A": [make_doc("Освобождение Курской области. Освобождению конца нет.")],
            "B": [make_doc("Бои в Курской области. Бои идут.")]}
    counts = count_terms(docs, ["освобождение", "бой в", "бой"])
    assert counts["A"]["освобождение"] == 2 and counts["B"]["бой"] == 2 and counts["B"]["бой в"] == 1


@pytest.mark.parametrize("a,observed", [
    ("Освобождение Курской области продолжается.", True),
    ("«Освобождение Курской области продолжается», — сказал Путин.", False),
    ("Путин заявил, что освобождение Курской области продолжается.", False),
    ("«Освобождение» Курской области продолжается.", False),
])
def test_a_quoted_phrase_is_not_the_outlets_word_choice(a, observed):
    b = "Бои в Курской области продолжаются."
    da, db = quoted_doc(a, article_id="a", outlet="A"), quoted_doc(b, article_id="b", outlet="B")
    obs = claim_pair_observations(da, 0, len(a), db, 0, len(b), story="s", group="c1")
    assert bool(obs) is observed
    assert all(o.term_a == "освобождение" for o in obs)


def test_counts_leave_quoted_words_apart():
    docs = {"A": [quoted_doc("Освобождение Курской области идет. «Освобождение идет», — сказал Путин.")]}
    own, quoted = count_terms_by_voice(docs, ["освобождение", "освобождение идти", "идти освобождение"])
    assert own["A"] == Counter({"освобождение": 1})
    assert quoted["A"] == Counter({"освобождение": 1, "освобождение идти": 1})   # never across the quote
    assert count_terms(docs, ["освобождение"]) == {"A": Counter({"освобождение": 1})}


def test_rank_pairs_shows_quoted_counts_without_scoring_them():
    observations = [_obs("освобождение", "бой", "s1")]
    counts = {"A": Counter({"освобождение": 3}), "B": Counter({"бой": 3})}
    quoted = {"A": Counter(), "B": Counter({"освобождение": 5})}
    [p] = rank_pairs(observations, counts, min_observations=1, quoted=quoted)
    assert p.quoted == {"A": {"бой": 0, "освобождение": 0}, "B": {"бой": 0, "освобождение": 5}}
    [plain] = rank_pairs(observations, counts, min_observations=1)
    assert plain.z == p.z and plain.quoted == {}


def test_log_odds_sign_and_strength():
    counts = {"A": Counter({"x": 40, "y": 2}), "B": Counter({"x": 3, "y": 30}), "C": Counter({"x": 10, "y": 10})}
    z = pair_log_odds(counts, "x", "y")
    assert z["A"] > 2 and z["B"] < -2 and abs(z["C"]) < abs(z["A"])
    weak = pair_log_odds({"A": Counter({"x": 4, "y": 0}), "B": Counter({"x": 0, "y": 3})}, "x", "y")
    assert abs(weak["A"]) < z["A"]          # the prior shrinks small counts


def _obs(a, b, story, group="c1"):
    return PairObservation(story=story, group=group, outlet_a="A", term_a=a, text_a=a, outlet_b="B", term_b=b,
                           text_b=b, anchor="курский", anchor_text="Курской")


def test_rank_pairs_support_direction_and_concepts():
    observations = [_obs("освобождение", "бой", "s1"), _obs("бой", "освобождение", "s2"),
                    _obs("освобождение", "зачистка", "s3"), _obs("дождь", "снег", "s4")]
    counts = {"A": Counter({"освобождение": 30, "бой": 2, "зачистка": 1}),
              "B": Counter({"освобождение": 1, "бой": 25, "зачистка": 6})}
    pairs = rank_pairs(observations, counts, min_observations=1)
    top = pairs[0]
    assert (top.term_a, top.term_b) == ("бой", "освобождение")
    assert (top.observations, top.stories, top.favours_a, top.favours_b) == (2, 2, "B", "A")
    assert top.counts["A"] == {"бой": 2, "освобождение": 30}
    concepts = {(p.term_a, p.term_b): p.concept for p in pairs}
    assert concepts[("бой", "освобождение")] == concepts[("зачистка", "освобождение")] == "Курской"
    assert [(p.term_a, p.term_b) for p in rank_pairs(observations, counts, min_observations=2)] == \
        [("бой", "освобождение")]


def test_rank_pairs_drops_dissimilar_terms():
    observations = [_obs("освобождение", "бой", "s1")]
    counts = {"A": Counter({"освобождение": 3}), "B": Counter({"бой": 3})}
    assert rank_pairs(observations, counts, min_observations=1, similarity=lambda a, b: 0.0,
                      min_similarity=0.2) == []
    [p] = rank_pairs(observations, counts, min_observations=1, similarity=lambda a, b: 0.5, min_similarity=0.2)
    assert p.similarity == 0.5


def test_candidate_file_is_a_valid_lexicon():
    observations = [_obs("освобождение", "бой в", "s1"), _obs("освобождение", "бой в", "s2")]
    counts = {"РИА Новости": Counter({"освобождение": 30, "бой в": 2}),
              "BBC News | Русская служба": Counter({"освобождение": 1, "бой в": 25})}
    text = candidates_yaml(rank_pairs(observations, counts))
    assert text.startswith("# Word-choice candidates")
    lex = parse_lexicon(yaml.safe_load(text))
    assert {t.term for t in lex.terms} == {"освобождение", "бой в"}
    labels = {t.term: t.label for t in lex.terms}
    assert labels["освобождение"] == "preferred-by-ria-novosti"
    assert labels["бой в"].startswith("preferred-by-bbc")


def test_discover_on_a_small_corpus(small_store, word_encoder, monkeypatch):
    import parallax.outlets.wordchoice as wc
    monkeypatch.setattr(wc, "navec_similarity", lambda: (lambda a, b: 1.0))
    from parallax.compare import embed
    monkeypatch.setattr(embed, "get_encoder", lambda *a, **k: word_encoder)
    pairs = discover(small_store, min_observations=1, min_stories=1)
    terms = {(p.term_a, p.term_b) for p in pairs}
    assert ("бой", "освобождение") in terms
    pair = next(p for p in pairs if (p.term_a, p.term_b) == ("бой", "освобождение"))
    assert pair.favours_b == "РИА Новости"


@pytest.mark.parametrize("pos_a,pos_b,ok", [("NOUN", "NOUN", True), ("NOUN", "VERB", False),
                                            ("ADJF", "PRTF", True)])
def test_part_of_speech_classes(pos_a, pos_b, ok):
    from parallax.model import Token
    from parallax.outlets.wordchoice import same_slot_kind
    a = Token(0, 5, "слово", "слово", pos_a)
    b = Token(0, 5, "слово", "слово", pos_b)
    assert same_slot_kind(a, b) is ok
