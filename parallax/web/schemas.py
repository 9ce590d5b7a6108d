"""Response and request bodies of the JSON API, as pydantic models: they make the OpenAPI document.

The story comparison is not modelled here: it is the parallax-v1 document, whose JSON Schema ships with
the report package and is added to the OpenAPI components as is (see `app.openapi_with_v1`).
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_INGEST = 100


class OutletCount(BaseModel):
    outlet: str
    articles: int
    kind: str = Field("unrated", description="the outlet's kind (GET /api/outlets/kinds); unrated when unknown")


class KindCoverage(BaseModel):
    kind: str
    outlets: int = Field(description="how many of the story's outlets are of this kind")
    names: list[str]


class StoryItem(BaseModel):
    id: str
    title: str | None
    articles: int = Field(description="number of articles in the story")
    outlets: list[OutletCount]
    coverage: list[KindCoverage] = Field(description="the story's outlets by kind, in display order")
    first: str | None = Field(description="first publication (ISO 8601, UTC)")
    last: str | None = Field(description="latest publication (ISO 8601, UTC)")
    url: str = Field(description="the story page")
    comparison: str = Field(description="the JSON v1 comparison of the story")


class Page(BaseModel):
    page: int
    per_page: int
    total: int = Field(description="items matching the filters, on all pages")
    pages: int


class StoryList(Page):
    stories: list[StoryItem]


class ArticleItem(BaseModel):
    id: int = Field(description="the article's number in this database (use it in /api/articles/{id})")
    ext_id: str = Field(description="the id the input gave (a Telegram message, a JSON id, a file name)")
    outlet: str
    title: str | None
    published: str | None
    url: str | None = Field(description="where the article was published; never fetched by the server")
    story: str | None
    revision: int
    chars: int


class ArticleList(Page):
    articles: list[ArticleItem]


class StoryDetail(BaseModel):
    id: str
    title: str | None
    first: str | None
    last: str | None
    outlets: list[OutletCount]
    coverage: list[KindCoverage]
    articles: list[ArticleItem]
    comparison: str


class Mark(BaseModel):
    start: int
    end: int
    text: str


class EntityMention(Mark):
    type: str
    name: str = Field(description="nominative form")
    kind: str


class QuoteMark(Mark):
    kind: str
    speaker: str | None


class SourceMark(Mark):
    source: str
    kind: str | None
    cue: str


class ArticleAnalysis(BaseModel):
    analyzer_version: str
    language: str
    sentences: int
    entities: list[EntityMention]
    quotes: list[QuoteMark]
    attributions: list[SourceMark]


class ArticleDetail(ArticleItem):
    text: str
    reprint_of: int | None = Field(description="the earlier article this one reprints")
    analysis: ArticleAnalysis | None = Field(description="null until the article has been analysed")


class OutletItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    outlet: str
    articles: int
    stories: int
    first: str | None
    last: str | None


class OutletList(BaseModel):
    outlets: list[OutletItem]


class ContestedTerm(BaseModel):
    model_config = ConfigDict(extra="allow")
    category: str
    concept: str
    label: str | None
    term: str
    count: int
    by_month: dict[str, int]


class OutletProfile(OutletItem):
    contested_terms: list[ContestedTerm]
    sources: dict[str, Any] = Field(description='{"kinds": {kind: n}, "top": [{"source", "kind", "count"}]}')
    tone: list[dict[str, Any]]
    omissions: list[dict[str, Any]]
    complete: bool = Field(True, description="false when tone and omissions are not available in this build")


class KindLabel(BaseModel):
    kind: str
    labels: dict[str, str] = Field(description="display label per language (ru, en)")


class OutletKindEntry(BaseModel):
    name: str
    kind: str
    owner: str | None
    country: str | None
    flags: list[str] = Field(description="foreign_agent_ru, undesirable_ru, blocked_ru")
    sources: list[str] = Field(description="URLs backing the kind and the flags")
    telegram: str | None
    aliases: list[str]
    note: str | None


class CorpusOutletKind(BaseModel):
    outlet: str
    kind: str
    registry_name: str | None = Field(description="the registry entry it matched; null when unrated")


class OutletKindsList(BaseModel):
    kinds: list[KindLabel] = Field(description="in display order, unrated last")
    outlets: list[OutletKindEntry] = Field(description="the registry: shipped entries and the server's user file")
    corpus: list[CorpusOutletKind] = Field(description="every outlet of the corpus with its kind")


class QuoteHit(BaseModel):
    article: int
    outlet: str
    title: str | None
    published: str | None
    story: str | None
    text: str
    kind: str
    speaker: str | None
    start: int
    end: int


class NameCount(BaseModel):
    name: str
    count: int


class OutletHit(BaseModel):
    outlet: str
    articles: int
    first: str | None
    last: str | None


class ArticleHit(ArticleItem):
    snippet: str


class SearchResult(Page):
    q: str | None
    speaker: str | None
    quotes: list[QuoteHit] = Field(description="quotes containing every word (by the speaker, when given)")
    speakers: list[NameCount] = Field(description="who said it: speakers of those quotes")
    quote_outlets: list[NameCount] = Field(description="outlets carrying those quotes")
    outlets: list[OutletHit] = Field(description="which outlets said it: outlets whose articles contain the words")
    articles: list[ArticleHit]


class IngestArticle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=500_000)
    outlet: str = Field(min_length=1, max_length=300)
    id: str | None = Field(None, max_length=300, description="your id for the article (else a hash of the text)")
    url: str | None = Field(None, max_length=2000, description="stored as metadata; the server never fetches it")
    title: str | None = Field(None, max_length=2000)
    date: str | None = Field(None, max_length=64, description="YYYY-MM-DD or an ISO 8601 time")
    language: str | None = Field(None, max_length=16)


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    articles: list[IngestArticle] = Field(min_length=1, max_length=MAX_INGEST)


class IngestItem(BaseModel):
    index: int
    status: str = Field(description="new | duplicate | revision | error")
    id: str | None = None
    pk: int | None = None
    reprint_of: int | None = None
    error: str | None = None


class IngestResponse(BaseModel):
    results: list[IngestItem]
    analysed: int
    clustered: int


class Health(BaseModel):
    status: str
    database: str
    articles: int
    stories: int
    ingest: bool = Field(description="whether POST /api/articles is enabled (server started with a token)")
