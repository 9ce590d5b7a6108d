"""The JSON API, in-process, on the small test corpus."""
from __future__ import annotations

import datetime as dt

import pytest
from web_corpus import BRIDGE, FLOOD, HOSTILE, STORIES
from web_support import TOKEN


def test_health(client):
    data = client.get("/api/health").json()
    assert data["status"] == "ok"
    assert data["articles"] == sum(len(a) for a in STORIES.values())
    assert data["stories"] == len(STORIES)
    assert data["ingest"] is False


def test_stories_newest_first_with_outlets_and_counts(client):
    data = client.get("/api/stories").json()
    assert [s["id"] for s in data["stories"]] == [BRIDGE, HOSTILE, FLOOD]
    assert data["total"] == 3 and data["pages"] == 1
    bridge = data["stories"][0]
    assert bridge["articles"] == 3
    assert {o["outlet"] for o in bridge["outlets"]} == {"Вестник Сибири", "Сибирь Онлайн", "Обозреватель"}
    assert bridge["first"].startswith("2024-11-27T09:00") and bridge["last"].startswith("2024-11-28T07:15")
    assert bridge["comparison"] == f"/api/stories/{BRIDGE}/comparison"


def test_stories_pagination(client):
    first = client.get("/api/stories", params={"per_page": 2}).json()
    second = client.get("/api/stories", params={"per_page": 2, "page": 2}).json()
    assert first["pages"] == 2 and second["pages"] == 2
    assert [s["id"] for s in first["stories"]] == [BRIDGE, HOSTILE]
    assert [s["id"] for s in second["stories"]] == [FLOOD]
    assert client.get("/api/stories", params={"per_page": 2, "page": 3}).json()["stories"] == []


@pytest.mark.parametrize("params, expected", [
    ({"outlet": "Сибирь Онлайн"}, [BRIDGE]),                 # exact name
    ({"outlet": "сибири"}, [BRIDGE, FLOOD]),                  # part of a name, any case
    ({"outlet": "нет такого"}, []),
    ({"q": "Травникова"}, [BRIDGE]),                          # another inflection of "Травников"
    ({"q": "Томь паводок"}, [FLOOD]),                         # every word, in one article
    ({"since": "2024-11-21"}, [BRIDGE, HOSTILE]),
    ({"until": "2024-11-20"}, [FLOOD]),
    ({"since": "2024-11-28", "until": "2024-11-28"}, [BRIDGE]),
    ({"min_outlets": 3}, [BRIDGE]),
    ({"min_articles": 3}, [BRIDGE]),
])
def test_story_filters(client, params, expected):
    data = client.get("/api/stories", params=params).json()
    assert [s["id"] for s in data["stories"]] == expected
    assert data["total"] == len(expected)


def test_bad_filters_are_client_errors(client):
    assert client.get("/api/stories", params={"since": "yesterday"}).status_code == 422
    assert client.get("/api/stories", params={"per_page": 1000}).status_code == 422
    assert client.get("/api/stories", params={"page": 0}).status_code == 422


def test_story_detail(client, corpus_db):
    _, pks = corpus_db
    data = client.get(f"/api/stories/{BRIDGE}").json()
    assert [a["id"] for a in data["articles"]] == pks[BRIDGE]
    assert data["articles"][0]["url"] == "https://vestnik.example/most"
    assert client.get("/api/stories/no-such-story").status_code == 404


def test_comparison_is_the_v1_document(client):
    from parallax.render.jsonout import check_offsets, validate_document

    response = client.get(f"/api/stories/{BRIDGE}/comparison")
    assert response.status_code == 200
    doc = response.json()
    validate_document(doc)
    assert check_offsets(doc) == []
    story = doc["stories"][0]
    assert story["id"] == BRIDGE
    assert [a["id"] for a in story["articles"]] == ["b1", "b2", "b3"]
    statuses = {c["status"] for c in story["claims"]}
    assert "consensus" in statuses
    # the two bridge lengths disagree: the comparison names both values
    conflicts = [x for c in story["claims"] for x in c["conflicts"]]
    assert any("1500" in x["description"] and "2000" in x["description"] for x in conflicts)
    shared = [q for q in story["quotes"] if len(q["renderings"]) > 1]
    assert shared and shared[0]["speaker_name"] == "Андрей Травников"


def test_comparison_matches_the_cli(client, corpus_db):
    """The same document `parallax compare --story` writes."""
    from parallax.compare import compare_story
    from parallax.pipeline import story_documents, story_furniture
    from parallax.render.jsonout import document_to_dict
    from parallax.store import Store

    with Store(str(corpus_db[0])) as store:
        docs = story_documents(store, FLOOD)
        expected = document_to_dict([compare_story(docs, story_id=FLOOD, furniture=story_furniture(store, docs))], [])
    assert client.get(f"/api/stories/{FLOOD}/comparison").json() == expected


def test_comparison_etag(client):
    first = client.get(f"/api/stories/{FLOOD}/comparison")
    etag = first.headers["etag"]
    again = client.get(f"/api/stories/{FLOOD}/comparison", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/stories/no-such-story/comparison").status_code == 404


def test_comparisons_are_cached_until_an_article_changes(db_copy):
    from fastapi.testclient import TestClient

    from parallax.nlp.pipeline import Analyzer
    from parallax.pipeline import analyzer_version
    from parallax.store import Store
    from parallax.web import create_app

    path, pks = db_copy
    app = create_app(str(path))
    corpus = app.state.corpus
    with TestClient(app) as client:
        first = client.get(f"/api/stories/{FLOOD}/comparison").json()
        calls = corpus.compare_calls
        assert client.get(f"/api/stories/{FLOOD}/comparison").json() == first
        assert client.get(f"/stories/{FLOOD}").status_code == 200
        assert corpus.compare_calls == calls                      # served from the cache

        # a new revision of one article: the story's key changes, so it is compared again
        changed = STORIES[FLOOD][1]
        revised = type(changed)(**{**changed.__dict__, "text": changed.text + " Жителям выплатят компенсации.",
                                   "meta": dict(changed.meta)})
        with Store(str(path)) as store:
            (result,) = store.add_articles([revised])
            assert result.status == "revision"
            doc = Analyzer().analyze(revised)
            store.save_analyses([(result.pk, 2, doc)], analyzer_version())
        second = client.get(f"/api/stories/{FLOOD}/comparison").json()
        assert corpus.compare_calls == calls + 1
        texts = [a["text"] for a in second["stories"][0]["articles"]]
        assert any("компенсации" in t for t in texts)
        assert not any("компенсации" in a["text"] for a in first["stories"][0]["articles"])


def test_articles_list_and_filters(client, corpus_db):
    _, pks = corpus_db
    data = client.get("/api/articles", params={"per_page": 3}).json()
    assert data["total"] == 7 and data["pages"] == 3
    stamps = [a["published"] for a in data["articles"]]
    assert stamps == sorted(stamps, reverse=True)
    by_story = client.get("/api/articles", params={"story": BRIDGE}).json()
    assert sorted(a["id"] for a in by_story["articles"]) == sorted(pks[BRIDGE])
    by_outlet = client.get("/api/articles", params={"outlet": "Обозреватель"}).json()
    assert {a["outlet"] for a in by_outlet["articles"]} == {"Обозреватель"} and by_outlet["total"] == 3


def test_article_detail_with_analysis(client, corpus_db):
    _, pks = corpus_db
    data = client.get(f"/api/articles/{pks[BRIDGE][1]}").json()
    assert data["outlet"] == "Сибирь Онлайн"
    assert data["text"] == STORIES[BRIDGE][1].text
    analysis = data["analysis"]
    assert analysis["language"] == "ru"
    assert any(q["speaker"] == "Андрей Травников" for q in analysis["quotes"])
    for item in analysis["entities"] + analysis["quotes"] + analysis["attributions"]:
        assert data["text"][item["start"]:item["end"]] == item["text"]
    assert client.get("/api/articles/999999").status_code == 404
    assert client.get("/api/articles/0").status_code == 422
    assert client.get("/api/articles/99999999999999999999999").status_code == 422


def test_outlets_and_profile(client):
    outlets = client.get("/api/outlets").json()["outlets"]
    by_name = {o["outlet"]: o for o in outlets}
    assert by_name["Обозреватель"]["articles"] == 3 and by_name["Обозреватель"]["stories"] == 3
    profile = client.get("/api/outlets/Вестник Сибири").json()
    assert profile["outlet"] == "Вестник Сибири"
    assert profile["articles"] == 2 and profile["stories"] == 2
    assert sum(profile["sources"]["kinds"].values()) == 2                 # ТАСС, МЧС
    assert {s["source"] for s in profile["sources"]["top"]} == {"ТАСС", "МЧС"}
    assert client.get("/api/outlets/Нет такого").status_code == 404
    narrowed = client.get("/api/outlets/Вестник Сибири", params={"since": "2024-11-26"}).json()
    assert narrowed["articles"] == 1


def test_search_who_said_and_which_outlets(client):
    data = client.get("/api/search", params={"q": "главной артерией"}).json()
    assert data["speakers"] == [{"name": "Андрей Травников", "count": len(data["quotes"])}]
    assert {q["outlet"] for q in data["quotes"]} >= {"Вестник Сибири", "Сибирь Онлайн"}
    for q in data["quotes"]:
        assert "артери" in q["text"]
    assert {o["outlet"] for o in data["outlets"]} == {"Вестник Сибири", "Сибирь Онлайн", "Обозреватель"}
    assert data["total"] == 3 and len(data["articles"]) == 3
    assert all("артери" in a["snippet"].lower() for a in data["articles"])


def test_search_by_speaker(client):
    data = client.get("/api/search", params={"speaker": "Петров"}).json()
    assert data["quotes"] and all(q["speaker"] == "Иван Петров" for q in data["quotes"])
    assert {q["outlet"] for q in data["quotes"]} == {"Обозреватель", STORIES[HOSTILE][0].outlet}
    none = client.get("/api/search", params={"q": "контролем", "speaker": "Травников"}).json()
    assert none["quotes"] == []


def test_search_filters_by_outlet_and_date(client):
    data = client.get("/api/search", params={"q": "мост", "outlet": "Обозреватель"}).json()
    assert {a["outlet"] for a in data["articles"]} == {"Обозреватель"}
    assert client.get("/api/search", params={"q": "мост", "until": "2024-11-26"}).json()["total"] == 0


# ---- writing -----------------------------------------------------------------------------------------

NEW_ARTICLE = {"articles": [{"id": "n1", "outlet": "Новое издание", "title": "Новость", "date": "2024-11-29",
                             "text": "В Омске открыли новый мост через Иртыш. Длина моста 800 метров."}]}


def test_post_refused_when_started_without_token(client):
    response = client.post("/api/articles", json=NEW_ARTICLE)
    assert response.status_code == 403
    response = client.post("/api/articles", json=NEW_ARTICLE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403
    assert client.get("/api/articles", params={"outlet": "Новое издание"}).json()["total"] == 0


@pytest.fixture
def writer(db_copy):
    from fastapi.testclient import TestClient

    from parallax.web import create_app

    path, _ = db_copy
    with TestClient(create_app(str(path), token=TOKEN)) as c:
        yield c


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-0123456789abc"},
                                     {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": TOKEN}])
def test_post_refused_without_the_token(writer, headers):
    response = writer.post("/api/articles", json=NEW_ARTICLE, headers=headers)
    assert response.status_code in (401, 403)
    assert writer.get("/api/articles", params={"outlet": "Новое издание"}).json()["total"] == 0


def test_post_with_the_token_stores_articles(writer):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    response = writer.post("/api/articles", params={"analyze": "false"}, json=NEW_ARTICLE, headers=auth)
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["status"] == "new" and result["id"] == "n1"
    listed = writer.get("/api/articles", params={"outlet": "Новое издание"}).json()
    assert listed["total"] == 1 and listed["articles"][0]["id"] == result["pk"]
    again = writer.post("/api/articles", params={"analyze": "false"}, json=NEW_ARTICLE, headers=auth).json()
    assert again["results"][0]["status"] == "duplicate"


def test_post_validates_the_body(writer):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert writer.post("/api/articles", json={"articles": []}, headers=auth).status_code == 422
    assert writer.post("/api/articles", json={"articles": [{"outlet": "x"}]}, headers=auth).status_code == 422
    assert writer.post("/api/articles", content=b"not json", headers=auth).status_code == 422
    too_many = {"articles": [{"outlet": "x", "text": f"текст {i}"} for i in range(101)]}
    assert writer.post("/api/articles", json=too_many, headers=auth).status_code == 422
    huge = writer.post("/api/articles", content=b"{}", headers={**auth, "Content-Length": str(10**9)})
    assert huge.status_code == 413


def test_post_problems_are_reported_per_record(writer):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    body = {"articles": [{"outlet": "Новое издание", "text": "<>  ..."},
                         {"outlet": "Новое издание", "text": "Обычный текст новости о погоде."}]}
    results = writer.post("/api/articles", params={"analyze": "false"}, json=body, headers=auth).json()["results"]
    assert [r["status"] for r in results] == ["error", "new"]
    assert "no words" in results[0]["error"]


def test_post_analyses_and_clusters(writer):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    response = writer.post("/api/articles", json=NEW_ARTICLE, headers=auth).json()
    assert response["analysed"] == 1 and response["clustered"] == 1
    pk = response["results"][0]["pk"]
    article = writer.get(f"/api/articles/{pk}").json()
    assert article["analysis"] is not None and article["story"] is not None
    assert writer.get(f"/api/stories/{article['story']}/comparison").status_code == 200


def test_openapi_describes_the_api(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/stories", "/api/stories/{story_id}", "/api/stories/{story_id}/comparison", "/api/articles",
                 "/api/articles/{article_id}", "/api/outlets", "/api/outlets/{name}", "/api/search"):
        assert path in paths, path
    assert "post" in paths["/api/articles"]
    components = schema["components"]["schemas"]
    assert "ParallaxDocumentV1" in components and "IngestRequest" in components
    comparison = paths["/api/stories/{story_id}/comparison"]["get"]["responses"]["200"]
    assert comparison["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ParallaxDocumentV1"


def test_v1_schema_in_openapi_validates_a_comparison(client):
    """The hoisted copy of parallax-v1.schema.json still accepts a real comparison and rejects a broken one."""
    import jsonschema

    schema = client.get("/openapi.json").json()
    root = {"$ref": "#/components/schemas/ParallaxDocumentV1", "components": schema["components"]}
    doc = client.get(f"/api/stories/{BRIDGE}/comparison").json()
    jsonschema.validate(doc, root)
    doc["stories"][0]["claims"][0]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, root)


def test_day_bounds_survive_extreme_dates(client):
    assert client.get("/api/stories", params={"since": "0001-01-01", "until": "9999-12-31"}).json()["total"] == 3
    assert client.get("/api/articles", params={"until": dt.date.max.isoformat()}).status_code == 200
