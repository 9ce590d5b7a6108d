import argparse
import functools
import json

import pytest
from profile_docs import make_doc, quoted_doc

import parallax.outlets.profiles as profiles
from parallax.outlets.profiles import (
    UnknownOutlet,
    contested_term_usage,
    list_outlets,
    loaded_usage,
    outlet_profile,
    resolve_outlet,
    term_usage,
    tone_by_entity,
)
from parallax.render.profile import profile_html, profile_text

BBC = "BBC News | Русская служба"


def test_list_outlets(small_store):
    rows = list_outlets(small_store)
    assert [r["outlet"] for r in rows][:2] == [BBC, "РИА Новости"] or [r["outlet"] for r in rows][:2] == \
        ["РИА Новости", BBC]
    ria = next(r for r in rows if r["outlet"] == "РИА Новости")
    assert ria == {"outlet": "РИА Новости", "articles": 2, "stories": 2, "first": "2024-11-27T10:00:00+00:00",
                   "last": "2024-12-02T09:00:00+00:00"}


def test_resolve_outlet(small_store):
    assert resolve_outlet(small_store, "риа новости") == "РИА Новости"
    assert resolve_outlet(small_store, "BBC") == BBC
    with pytest.raises(UnknownOutlet, match="no outlet"):
        resolve_outlet(small_store, "ТАСС")
    with pytest.raises(UnknownOutlet, match="several"):
        resolve_outlet(small_store, "о")


def test_profile_has_the_interface_fields(small_store):
    p = outlet_profile(small_store, "BBC", omissions=False)
    assert {"outlet", "articles", "stories", "first", "last", "contested_terms", "sources", "tone",
            "omissions"} <= set(p)
    assert (p["outlet"], p["articles"], p["stories"]) == (BBC, 2, 2)
    terms = {t["term"]: t for t in p["contested_terms"]}
    fighting = terms["бои в Курской области"]
    assert {k for k in fighting} >= {"category", "concept", "label", "term", "count", "quoted", "by_month"}
    assert fighting["label"] == "fighting-neutral" and fighting["by_month"] == {"2024-11": 1}
    # 'По словам Зеленского, война в Украине не закончится': Zelensky's words, not the BBC's
    assert "война в Украине" not in terms
    war = {t["term"]: t for t in p["quoted_terms"]}["война в Украине"]
    assert (war["label"], war["count"], war["speakers"], war["by_month"]) == (
        "war-explicit", 1, {"Зеленского": 1}, {"2024-11": 1})
    kinds = p["sources"]["kinds"]
    assert kinds["agency"] == 1 and kinds["foreign_gov"] == 1 and kinds["anonymous"] == 1
    assert {"source": "Reuters", "kind": "agency", "count": 1} in p["sources"]["top"]
    json.dumps(p, ensure_ascii=False)


def test_period_limits_the_articles(small_store):
    p = outlet_profile(small_store, "РИА", since="2024-12-01", omissions=False)
    assert p["articles"] == 1 and p["first"].startswith("2024-12-02")
    assert p["sources"]["kinds"] == {"state_agency": 1}


def test_omissions_in_the_profile(small_store, word_encoder, monkeypatch):
    from parallax.compare import embed
    monkeypatch.setattr(embed, "get_encoder", lambda *a, **k: word_encoder)
    p = outlet_profile(small_store, "Топор", loaded=False)
    assert p["omission_summary"]["stories"] == 1
    assert sum(o["count"] for o in p["omissions"]) == p["omission_summary"]["omitted"]


def test_tone_is_empty_when_left_out(small_store):
    assert outlet_profile(small_store, "РИА", omissions=False, tone=False)["tone"] == []


def test_tone_is_aggregated_per_entity():
    docs = [make_doc("Иван пришел.", article_id="1"), make_doc("Иван ушел.", article_id="2")]

    def fake_tone(doc):
        return [{"entity": "Иван", "label": 1 if doc.id == "1" else -1}, {"entity": "Петр", "label": 0}]
    rows = tone_by_entity(docs, tone=fake_tone, published={"1": "2024-11-30T10:00:00", "2": "2024-12-01T10:00:00"})
    assert [{k: r[k] for k in ("entity", "positive", "neutral", "negative")} for r in rows] == [
        {"entity": "Иван", "positive": 1, "neutral": 0, "negative": 1},
        {"entity": "Петр", "positive": 0, "neutral": 2, "negative": 0}]
    assert rows[0]["by_month"] == {"2024-11": {"positive": 1, "neutral": 0, "negative": 0},
                                   "2024-12": {"positive": 0, "neutral": 0, "negative": 1}}


def test_tone_from_the_real_tone_package_reaches_the_profile():
    from parallax.model import Mention
    doc = make_doc("Суд приговорил мошенника Иванова к десяти годам колонии.", article_id="1")
    s = doc.text.index("Иванова")
    doc.mentions = [Mention(start=s, end=s + 7, text="Иванова", type="PER", normal="Иванов", sentence=0)]
    rows = tone_by_entity([doc])
    assert [r["entity"] for r in rows] == ["Иванов"]
    assert rows[0]["positive"] + rows[0]["neutral"] + rows[0]["negative"] == 1


def test_contested_terms_by_month_and_week():
    docs = [(make_doc("Война в Украине идет."), "2024-11-30T10:00:00+00:00"),
            (make_doc("Война в Украине продолжается."), "2024-12-02T10:00:00+00:00")]
    [row] = [r for r in contested_term_usage(docs) if r["concept"] == "the war"]
    assert row["count"] == 2 and row["by_month"] == {"2024-11": 1, "2024-12": 1}
    assert row["by_week"] == {"2024-W48": 1, "2024-W49": 1}


def _russophobia_docs():
    return [(quoted_doc("«Это русофобская резолюция», — заявила Захарова. Депутаты приняли русофобскую резолюцию.",
                        ("Захарова", "PER"), article_id="1"), "2024-11-30T10:00:00+00:00"),
            (quoted_doc("Захарова назвала решение «русофобским». Песков заявил, что это русофобская резолюция.",
                        ("Захарова", "PER"), ("Песков", "PER"), article_id="2"), "2024-12-02T10:00:00+00:00")]


def test_quoted_terms_are_not_the_outlets_and_are_counted_apart():
    own, quoted = term_usage(_russophobia_docs())
    [row] = [r for r in own if r["concept"] == "russophobia"]
    assert (row["count"], row["quoted"], row["articles"], row["by_month"]) == (1, 3, 1, {"2024-11": 1})
    [row] = [r for r in quoted if r["concept"] == "russophobia"]
    assert (row["count"], row["articles"], row["speakers"], row["marked"]) == (
        3, 2, {"Захарова": 1, "Песков": 1}, 1)
    assert row["by_month"] == {"2024-11": 1, "2024-12": 2}
    assert contested_term_usage(_russophobia_docs()) == own


def test_a_term_only_quoted_has_no_own_row():
    docs = [(quoted_doc("По словам Зеленского, война в Украине не закончится.", ("Зеленского", "PER")), None)]
    own, quoted = term_usage(docs)
    assert own == [] and {r["term"] for r in quoted} == {"война в Украине", "в Украине"}


def test_loaded_wording_counts_the_outlets_own_words():
    usage = loaded_usage([d for d, _ in _russophobia_docs()])
    assert usage["by_category"] == {"loaded-adjective": 1}
    assert [(t["term"], t["count"], t["quoted"]) for t in usage["top"]] == [("русофобский", 1, 3)]
    assert usage["quoted"]["hits"] == 3 and usage["quoted"]["by_category"] == {"loaded-adjective": 3}
    # the outlet's own words: 'Депутаты приняли русофобскую резолюцию', the speakers, their verbs, 'назвала решение'
    assert usage["words"] == 12 and usage["quoted"]["words"] == 7
    assert usage["per_1000_words"] == {"loaded-adjective": round(1000 / 12, 2)}


def test_text_and_html_renderings(small_store):
    p = outlet_profile(small_store, "BBC", omissions=False)
    text = profile_text(p)
    assert text.startswith(BBC) and "Sources (3 attributions)" in text and "бои в Курской области" in text
    page = profile_html(p)
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert "<script" not in page and "http://" not in page.split("<svg", 1)[0]
    pytest.importorskip("matplotlib")
    assert "<svg" in page


def test_html_escapes_untrusted_text(small_store):
    p = outlet_profile(small_store, "BBC", omissions=False)
    p["sources"]["top"].append({"source": "<script>alert(1)</script>", "kind": "other", "count": 1})
    assert "<script>alert" not in profile_html(p)


def _cli(argv):
    from parallax.cli.outlets import register
    parser = argparse.ArgumentParser(prog="parallax")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_outlet_json_and_html(small_store, tmp_path, capsys):
    db = small_store.target
    assert _cli(["outlet", "BBC", "--db", db, "--json", "--no-omissions"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outlet"] == BBC
    out = tmp_path / "bbc.html"
    assert _cli(["outlet", "BBC", "--db", db, "--html", str(out), "--no-omissions"]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_lists_outlets_and_rejects_unknown(small_store, capsys):
    assert _cli(["outlet", "--db", small_store.target]) == 0
    assert "РИА Новости" in capsys.readouterr().out
    assert _cli(["outlet", "ТАСС", "--db", small_store.target]) == 2
    assert "no outlet" in capsys.readouterr().err


def test_cli_wordchoice(small_store, word_encoder, monkeypatch, tmp_path, capsys):
    import parallax.outlets.wordchoice as wc
    from parallax.compare import embed
    monkeypatch.setattr(wc, "navec_similarity", lambda: (lambda a, b: 1.0))
    monkeypatch.setattr(embed, "get_encoder", lambda *a, **k: word_encoder)
    out = tmp_path / "cand.yaml"
    assert _cli(["wordchoice", "--db", small_store.target, "--json", "--export", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pairs"] and {"term_a", "term_b", "counts", "score"} <= set(data["pairs"][0])
    assert out.exists()


def test_export_writes_outlet_profiles(small_store, tmp_path, monkeypatch):
    from parallax.cli import corpus as corpus_cli
    monkeypatch.setattr(corpus_cli, "_open_store", lambda db: small_store)
    monkeypatch.setattr(profiles, "outlet_profile", functools.partial(outlet_profile, omissions=False))
    out, prof = tmp_path / "a.jsonl", tmp_path / "p.json"
    args = argparse.Namespace(out=str(out), format=None, db=None, since=None, until=None, outlet="BBC", story=None,
                              no_text=False, no_analysis=False, profiles=str(prof))
    assert corpus_cli.run_export(args) == 0
    doc = json.loads(prof.read_text("utf-8"))
    assert [p["outlet"] for p in doc["profiles"]] == [BBC]
    assert doc["profiles"][0]["sources"]["kinds"]["agency"] == 1
