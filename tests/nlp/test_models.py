import subprocess
import sys


def test_natasha_imports_with_pymorphy3_in_place_of_pymorphy2():
    from parallax.nlp import models
    nat = models.natasha()
    import pymorphy3
    assert sys.modules["pymorphy2"] is pymorphy3
    vocab = nat.MorphVocab()   # the natasha class that needs pymorphy2's MorphAnalyzer
    assert vocab.parse("войска")[0].normal_form == "войско"


def test_works_on_setuptools_without_pkg_resources():
    """The reason for the shim: setuptools >= 81 has no pkg_resources. Run in a fresh interpreter where
    importing pkg_resources is made impossible, as on such a setuptools."""
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'pkg_resources': raise ImportError('no pkg_resources')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from parallax.nlp.models import ner_tagger\n"
        "m = next(iter(ner_tagger().map(['Владимир Путин прилетел в Пекин.'])))\n"
        "print(sorted(s.type for s in m.spans))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['LOC', 'PER']"


def test_language_detection_ru_uk_en():
    from parallax.nlp.pipeline import detect_language
    assert detect_language("Президент провёл совещание с членами правительства в Кремле.")[0] == "ru"
    assert detect_language("Президент провів нараду з членами уряду, повідомляє пресслужба.")[0] == "uk"
    assert detect_language("The president met members of the government on Tuesday.")[0] == "en"


def test_short_russian_post_with_a_link_is_russian():
    from parallax.nlp.pipeline import detect_language
    assert detect_language("Срочно: подробности по ссылке https://example.com/news/2024/12/01/item")[0] == "ru"


def test_analyzer_survives_empty_and_punctuation_only_texts():
    from parallax.model import Article
    from parallax.nlp.pipeline import Analyzer
    docs = Analyzer().analyze_many([Article(id="e", text="", outlet="x"), Article(id="p", text="…!!", outlet="x"),
                                    Article(id="ok", text="Президент России Владимир Путин прилетел в Пекин.", outlet="x")])
    assert [d.mentions for d in docs[:2]] == [[], []]
    assert {m.text for m in docs[2].mentions} >= {"Владимир Путин", "Пекин"}
