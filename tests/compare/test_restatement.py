"""Key differences (issue 11): a fact one outlet states twice, lead and body, with only one rendering grouped
with the other outlets' is not «only X reports». Sentences written for the test."""
import pytest

from parallax.compare.differences import key_differences
from parallax.model import Article, ClaimGroup, ClaimMember, StoryComparison
from parallax.nlp.linking import link_entities
from parallax.nlp.pipeline import Analyzer

LEAD = "Министры финансов Германии и Франции провели в четверг встречу в Берлине."
BODY = "Немецкий и французский министры финансов провели встречу в Берлине после саммита, на котором обсуждали бюджет."
OTHER = "Министр финансов Германии подал в отставку после скандала с бюджетом в Берлине."
B_TEXT = "Переговоры министров финансов Германии и Франции в Берлине проходят после саммита, где обсуждали бюджет."


@pytest.fixture(scope="module")
def docs():
    a_text = f"{LEAD}\n{BODY}\n{OTHER}"
    docs = Analyzer().analyze_many([Article(id="a", text=a_text, outlet="A"), Article(id="b", text=B_TEXT, outlet="B")])
    link_entities(docs)
    return docs


def _member(doc, text: str, sentence: int) -> ClaimMember:
    start = doc.article.text.index(text)
    return ClaimMember(article=doc.id, text=text, start=start, end=start + len(text), sentence=sentence,
                       outlet=doc.article.outlet)


def _points(docs):
    a, b = docs
    groups = [ClaimGroup(id="c1", status="unique", members=[_member(a, LEAD, 0)]),
              ClaimGroup(id="c2", status="consensus", members=[_member(a, BODY, 1), _member(b, B_TEXT, 0)]),
              ClaimGroup(id="c3", status="unique", members=[_member(a, OTHER, 2)])]
    comp = StoryComparison(id="s", articles=docs, entities=[], claims=groups, quotes=[], framing=[], attributions=[])
    return [p for p in key_differences(comp) if p.kind == "only_some"]


def test_a_lead_restating_a_shared_body_sentence_is_no_unique_fact(docs):
    claims = [p.claims for p in _points(docs)]
    assert ["c1"] not in claims                        # the same meeting, told in the lead and the body
    assert ["c3"] in claims                            # the resignation: another event, only A reports it
