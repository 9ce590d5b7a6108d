"""Outlet kinds in the JSON API: coverage on every story, several outlets meaning all of them, kinds, blind
spots, sorts, and /api/outlets/kinds; a user kinds file given to the server rates the test outlets."""
from __future__ import annotations

import pytest
from web_corpus import BRIDGE, FLOOD, HOSTILE, XSS_OUTLET

from parallax.outlet_kinds import ENV_VAR

KINDS_FILE = """
outlets:
  - {name: Вестник Сибири, kind: state, sources: [https://example.org/vestnik]}
  - {name: Сибирь Онлайн, kind: independent, sources: [https://example.org/online]}
  - {name: Обозреватель, kind: state, sources: [https://example.org/obozrevatel], telegram: obozrevatel_test}
"""


@pytest.fixture
def kinds_client(db_copy, tmp_path, monkeypatch):
    """An app of its own (its caches must not hold lists made without the kinds file)."""
    from fastapi.testclient import TestClient

    from parallax.web import create_app
    path = tmp_path / "kinds.yaml"
    path.write_text(KINDS_FILE, encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(path))
    with TestClient(create_app(str(db_copy[0]))) as c:
        yield c


def ids(client, **params) -> list[str]:
    response = client.get("/api/stories", params=params)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()["stories"]]


def test_every_story_carries_its_coverage_by_kind(kinds_client):
    data = kinds_client.get("/api/stories").json()
    bridge = next(s for s in data["stories"] if s["id"] == BRIDGE)
    assert bridge["coverage"] == [{"kind": "state", "outlets": 2, "names": ["Вестник Сибири", "Обозреватель"]},
                                  {"kind": "independent", "outlets": 1, "names": ["Сибирь Онлайн"]}]
    assert {o["outlet"]: o["kind"] for o in bridge["outlets"]} == {
        "Вестник Сибири": "state", "Сибирь Онлайн": "independent", "Обозреватель": "state"}
    hostile = next(s for s in data["stories"] if s["id"] == HOSTILE)
    assert hostile["coverage"][-1]["kind"] == "unrated" and XSS_OUTLET in hostile["coverage"][-1]["names"]
    detail = kinds_client.get(f"/api/stories/{BRIDGE}").json()
    assert detail["coverage"] == bridge["coverage"]


def test_without_a_kinds_file_unknown_outlets_are_unrated(client):
    bridge = next(s for s in client.get("/api/stories").json()["stories"] if s["id"] == BRIDGE)
    assert [c["kind"] for c in bridge["coverage"]] == ["unrated"]
    assert all(o["kind"] == "unrated" for o in bridge["outlets"])


def test_repeated_outlets_mean_every_one_of_them(kinds_client):
    assert ids(kinds_client, outlet=["Вестник Сибири", "Обозреватель"]) == [BRIDGE, FLOOD]
    assert ids(kinds_client, outlet=["Сибирь Онлайн", "Обозреватель"]) == [BRIDGE]
    assert ids(kinds_client, outlet=["сибирь онлайн", "Злой"]) == []
    assert ids(kinds_client, outlet=["Сибирь Онлайн", "no such outlet"]) == []
    assert ids(kinds_client, outlet="Обозреватель") == [BRIDGE, HOSTILE, FLOOD]   # one: any story it covered


def test_kinds_blind_spots_and_sorts(kinds_client):
    assert ids(kinds_client, kind="independent") == [BRIDGE]
    assert ids(kinds_client, kind=["state", "independent"]) == [BRIDGE]
    assert ids(kinds_client, kind="unrated") == [HOSTILE]
    assert ids(kinds_client, kind="milblogger") == []
    assert ids(kinds_client, blind_spot=1) == [FLOOD]                          # state only, two articles
    assert ids(kinds_client, sort="outlets")[0] == BRIDGE
    assert ids(kinds_client, sort="kinds")[0] == BRIDGE
    data = kinds_client.get("/api/stories", params={"sort": "articles", "per_page": 1}).json()
    assert data["total"] == 3 and data["pages"] == 3


@pytest.mark.parametrize("params", [{"sort": "random"}, {"kind": "heroic"}, {"blind_spot": "maybe"}])
def test_bad_values_are_refused_with_422(client, params):
    response = client.get("/api/stories", params=params)
    assert response.status_code == 422
    assert "kind" in response.text or "sort" in response.text or "blind_spot" in response.text


def test_the_kinds_endpoint_lists_the_registry_and_the_corpus_outlets(kinds_client):
    data = kinds_client.get("/api/outlets/kinds").json()
    assert data["kinds"][0]["kind"] == "state" and data["kinds"][-1]["kind"] == "unrated"
    assert data["kinds"][0]["labels"]["ru"]
    ria = next(o for o in data["outlets"] if o["name"] == "РИА Новости")
    assert ria["kind"] == "state" and ria["telegram"] == "rian_ru" and ria["sources"]
    corpus = {o["outlet"]: o for o in data["corpus"]}
    assert corpus["Сибирь Онлайн"]["kind"] == "independent"
    assert corpus[XSS_OUTLET] == {"outlet": XSS_OUTLET, "kind": "unrated", "registry_name": None}


def test_the_openapi_document_describes_the_new_parameters(client):
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/stories"]["get"]["parameters"]}
    assert params["outlet"]["schema"]["anyOf"][0]["type"] == "array"
    assert {"kind", "sort", "blind_spot"} <= set(params)
    assert "/api/outlets/kinds" in spec["paths"]
