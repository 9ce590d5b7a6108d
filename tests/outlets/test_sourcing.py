import pytest
import yaml
from profile_docs import make_doc

from parallax.model import Attribution
from parallax.nlp.attribution import extract_attributions
from parallax.outlets.sourcing import (
    DATA_PATH,
    KINDS,
    classify_attribution,
    country_of,
    display_source,
    kind_table,
    parse_table,
    source_kind,
    source_kinds,
    source_mix,
    split_addressee,
)


def test_label_set_is_the_one_of_the_issue():
    assert set(KINDS) == {"state_agency", "agency", "official", "foreign_gov", "anonymous", "media", "social",
                          "correspondent", "other"}
    assert all(source_kinds()[k] for k in KINDS)


def test_every_kind_named_in_the_file_is_defined():
    data = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))
    assert set(data["names"]) <= set(data["kinds"])
    assert set(data["persons"]) <= set(data["kinds"])


def test_malformed_tables_are_rejected():
    with pytest.raises(ValueError, match="other"):
        parse_table({"kinds": {"agency": "x"}}, aliases_path=None)
    with pytest.raises(ValueError, match="undefined"):
        parse_table({"kinds": {"other": "x"}, "names": {"wire": ["Reuters"]}}, aliases_path=None)


@pytest.mark.parametrize("source,kind", [
    ("ТАСС", "state_agency"),
    ("агентство Синьхуа", "state_agency"),
    ("Reuters", "agency"),
    ("агентство Bloomberg", "agency"),
    ("источник в правительстве", "anonymous"),
    ("эксперты", "anonymous"),
    ("собеседник агентства", "anonymous"),
    ("Минобороны России", "official"),
    ("краевой минздрав", "official"),
    ("посольство России в Республике Корея", "official"),
    ("Песков", "official"),
    ("МИД Ирана", "foreign_gov"),
    ("Пентагон", "foreign_gov"),
    ("британская разведка", "foreign_gov"),
    ("министр обороны Украины", "foreign_gov"),
    ("Зеленский", "foreign_gov"),
    ("газета The Guardian", "media"),
    ("Медиазона", "media"),
    ("местные СМИ", "media"),
    ("телеграм-канал", "social"),
    ("Х", "social"),
    ("компания", "other"),
])
def test_source_kind_of_a_phrase(source, kind):
    assert source_kind(source) == kind


def test_extractor_hints_are_refined_by_country():
    assert source_kind("армия Израиля", hint="official") == "foreign_gov"
    assert source_kind("правительство", hint="official") == "official"
    assert source_kind("ФСБ", hint="intelligence") == "official"
    assert source_kind("СБУ", hint="intelligence") == "foreign_gov"


def test_a_place_speaking_is_its_government():
    assert source_kind("Пекин", place=True) == "foreign_gov"
    assert source_kind("Москва", place=True) == "official"


def test_named_person_without_office_is_other():
    assert source_kind("Ольга Петрова", person=True) == "other"


@pytest.mark.parametrize("source,outlet,kind", [
    ("корреспондент РИА Новости", "РИА Новости", "correspondent"),
    ("корреспондент РИА Новости", "Топор Live", "state_agency"),
    ("РИА Новости", "РИА Новости", "correspondent"),
    ("русская служба Би-би-си", "BBC News | Русская служба", "correspondent"),
    ("Би-би-си", "РИА Новости", "media"),
    ("корреспондент", "Любое издание", "correspondent"),
    ("источник РИА Новости", "РИА Новости", "anonymous"),
])
def test_own_outlet_is_correspondent(source, outlet, kind):
    assert source_kind(source, outlet=outlet) == kind


def test_addressee_before_the_real_source_is_split_off():
    assert split_addressee("РИА Новости в краевом минздраве") == "в краевом минздраве"
    assert split_addressee("Минобороны России") == "Минобороны России"
    assert source_kind("РИА Новости в пророссийском подполье", hint="agency", outlet="РИА Новости") == "anonymous"
    assert display_source("ТАСС в пресс-службе суда") == "пресс-службе суда"


def test_country_markers_first_one_decides():
    assert country_of("МВД Грузии") == "foreign"
    assert country_of("посольство РФ в Республике Корея") == "ru"
    assert country_of("ведомство") is None


def test_short_names_match_only_exactly():
    table = kind_table()
    social = dict(table.names)["social"]
    assert social.first("X", "x") is not None
    assert social.first("x-ray", "x-ray") is None


# ---- on extracted attributions ------------------------------------------------------------------------

def test_classify_attribution_uses_the_outlet_and_mentions():
    doc = make_doc("По словам Ольги Петровой, выставка откроется в мае.", ("Ольги Петровой", "PER"),
                   outlet="РИА Новости")
    attrs = extract_attributions(doc)
    assert len(attrs) == 1
    assert classify_attribution(attrs[0], doc=doc) == "other"


def test_agency_told_by_an_office_cites_the_office():
    doc = make_doc("Число пострадавших выросло до трех, сообщили ТАСС в пресс-службе суда.")
    attrs = extract_attributions(doc)
    assert [(a.source, classify_attribution(a, doc=doc)) for a in attrs] == [("пресс-служба суда", "official")]


def test_agency_followed_by_a_person_is_an_addressee():
    doc = make_doc("Солдаты сдались в плен, сообщил ТАСС Петров.", ("Петров", "PER"))
    assert extract_attributions(doc) == []


def test_source_mix_counts_kinds_and_sources():
    docs = [make_doc("Премьер прилетел в Минск, передает ТАСС.", article_id="1", outlet="Вести"),
            make_doc("Сделка сорвалась, сообщает агентство Reuters со ссылкой на источники.", article_id="2",
                     outlet="Вести")]
    mix = source_mix(docs, extract_attributions)
    assert mix.attributions == 3
    assert mix.kinds == {"state_agency": 1, "agency": 1, "anonymous": 1}
    top = mix.as_dict()["top"]
    assert {"source": "ТАСС", "kind": "state_agency", "count": 1} in top


def test_stored_attribution_without_doc():
    a = Attribution(start=0, end=10, text="передает ТАСС", source="ТАСС", cue="передает", kind="agency")
    assert classify_attribution(a, outlet="ТАСС") == "correspondent"
    assert classify_attribution(a, outlet="Вести") == "state_agency"


def test_person_introduced_with_an_office_is_official():
    text = ("Об этом заявил первый замминистра финансов России Иван Сидоров. "
            "По его словам, бюджет будет исполнен.")
    doc = make_doc(text, ("Иван Сидоров", "PER", "e1"))
    doc.mentions[0].normal = "Иван Сидоров"
    attrs = [a for a in extract_attributions(doc) if a.cue.startswith("по")]
    assert len(attrs) == 1 and attrs[0].source == "Иван Сидоров"
    assert classify_attribution(attrs[0], doc=doc) == "official"


def test_person_with_a_foreign_office_is_foreign_gov():
    text = "Глава МИД Польши Анна Зелинская прибыла в Киев. По ее словам, переговоры будут трудными."
    doc = make_doc(text, ("Анна Зелинская", "PER", "e1"))
    attrs = [a for a in extract_attributions(doc) if a.cue.startswith("по")]
    assert [classify_attribution(a, doc=doc) for a in attrs] == ["foreign_gov"]
