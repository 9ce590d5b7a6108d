"""`parallax outlets kinds`, the global `--outlet-kinds FILE`, and `parallax stories` with several outlets,
kinds, blind spots, sorts and the coverage line."""
from __future__ import annotations

import json

import pytest

from corpus_fakes import make_article
from parallax.cli.main import main
from parallax.outlet_kinds import ENV_VAR
from parallax.store import Store

RIA, BBC, MASH, SHOT, ODD = "РИА Новости", "BBC News | Русская служба", "Mash", "SHOT", "Канал Тест"
STORIES = {"s-both": [RIA, BBC, MASH], "s-tabloids": [MASH, SHOT], "s-odd": [ODD, ODD]}


@pytest.fixture(autouse=True)
def no_user_file(monkeypatch):
    # `--outlet-kinds` sets the variable for the process: monkeypatch puts back what was there before
    monkeypatch.setenv(ENV_VAR, "")
    monkeypatch.delenv(ENV_VAR)


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "corpus.sqlite")
    with Store(path) as store:
        articles, plan = [], []
        for day, (sid, outlets) in enumerate(STORIES.items(), start=1):
            for i, outlet in enumerate(outlets):
                articles.append(make_article(f"{sid}-{i}", f"Текст {sid} {i}.", outlet,
                                             when=f"2024-12-0{day}T1{i}:00:00+00:00", title=f"{sid}"))
                plan.append(sid)
        results = store.add_articles(articles)
        store.assign_stories({r.pk: sid for r, sid in zip(results, plan)}, {sid: sid for sid in STORIES})
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_stories_show_their_coverage_by_kind(db, capsys):
    code, out, _ = run(capsys, "stories", "--db", db)
    assert code == 0
    assert "by kind: state 1, foreign_public 1, tabloid 1 · РИА Новости, BBC News | Русская служба, Mash" in out
    assert "by kind: unrated 1 · Канал Тест" in out


def test_several_outlets_mean_all_of_them(db, capsys):
    _, out, _ = run(capsys, "stories", "--db", db, "--outlet", "риа", "--outlet", "bbc")
    assert "s-both" in out and "s-tabloids" not in out
    _, out, _ = run(capsys, "stories", "--db", db, "--outlet", "mash", "--outlet", "shot")
    assert "s-tabloids" in out and "s-both" not in out


def test_kinds_blind_spots_and_sort(db, capsys):
    _, out, _ = run(capsys, "stories", "--db", db, "--kind", "tabloid", "--sort", "outlets", "--json")
    assert [s["id"] for s in json.loads(out)["stories"]] == ["s-both", "s-tabloids"]
    _, out, _ = run(capsys, "stories", "--db", db, "--blind-spots", "--json")
    stories = json.loads(out)["stories"]
    assert [s["id"] for s in stories] == ["s-tabloids"]
    assert stories[0]["coverage"] == {"tabloid": 2}
    assert stories[0]["outlet_kinds"] == {MASH: "tabloid", SHOT: "tabloid"}
    assert {a["kind"] for a in stories[0]["articles"]} == {"tabloid"}
    _, out, _ = run(capsys, "stories", "--db", db, "--kind", "milblogger")
    assert "no stories match" in out


def test_an_unknown_kind_is_a_usage_error(db, capsys):
    code, _, err = run(capsys, "stories", "--db", db, "--kind", "heroic")
    assert code == 2 and "unknown kind(s) heroic" in err and "state" in err


def test_outlets_kinds_lists_the_registry_and_flags_unrated_corpus_outlets(db, capsys):
    code, out, _ = run(capsys, "outlets", "kinds", "--db", db)
    assert code == 0
    assert "РИА Новости" in out and "t.me/rian_ru" in out
    assert "corpus outlets: 5, unrated: 1" in out
    assert f"unrated         {ODD}  <- unrated: add it to your kinds file" in out


def test_a_user_file_rates_an_outlet_for_every_command(db, tmp_path, capsys):
    kinds = tmp_path / "kinds.yaml"
    kinds.write_text(f"outlets:\n  - {{name: {ODD}, kind: regional, sources: [https://example.org/t]}}\n",
                     encoding="utf-8")
    code, out, _ = run(capsys, "outlets", "kinds", "--kinds", str(kinds), "--db", db, "--json")
    doc = json.loads(out)
    assert code == 0 and {"outlet": ODD, "kind": "regional"} in doc["corpus"]
    code, out, _ = run(capsys, "--outlet-kinds", str(kinds), "stories", "--db", db, "--blind-spots")
    assert code == 0 and "s-odd" in out and "by kind: regional 1 ·" in out


def test_a_bad_user_file_is_reported_with_its_name(db, tmp_path, capsys):
    kinds = tmp_path / "kinds.yaml"
    kinds.write_text("outlets:\n  - {name: X, kind: heroic, sources: [https://example.org]}\n", encoding="utf-8")
    code, _, err = run(capsys, "outlets", "kinds", "--kinds", str(kinds))
    assert code == 2 and str(kinds) in err and "heroic" in err
    code, _, err = run(capsys, "--outlet-kinds", str(kinds), "stories", "--db", db)
    assert code == 2 and str(kinds) in err
    with pytest.raises(SystemExit) as exit_:
        main(["--outlet-kinds", str(tmp_path / "missing.yaml"), "stories", "--db", db])
    assert exit_.value.code == 2
