"""pymorphy3 runs on the C extension of DAWG (package `dawg2`, module `dawg`), and it gives the same parses
as the pure-Python `dawg_python` it falls back to. The extension made `parse` ~6× faster
(benchmarks/SPEED.md); a broken or missing install would silently fall back and slow analysis down, so it
is checked here."""
import json
import subprocess
import sys

import pymorphy3.dawg

from parallax.nlp.models import morph_analyzer

# inflected Russian and Ukrainian forms, names, a word no dictionary knows (predicted), ё, a hyphenated one
WORDS_RU = ["войска", "заявил", "Путина", "Пхеньяне", "военнослужащих", "ещё", "кое-что", "Зеленского",
            "беспилотников", "Ына", "сбили", "шёл", "подписывайся", "астероид", "вовсю"]
WORDS_UK = ["військовослужбовців", "заявив", "Генштабі", "переговори", "тривають", "Зеленського"]

_PARSES = (
    "import json, sys\n"
    "{block}"
    "import pymorphy3\n"
    "ru, uk = pymorphy3.MorphAnalyzer(), pymorphy3.MorphAnalyzer(lang='uk')\n"
    "words = json.loads(sys.argv[1])\n"
    "print(json.dumps([pymorphy3.dawg.EXTENSION_AVAILABLE,\n"
    "    [[(p.word, str(p.tag), p.normal_form, round(p.score, 9)) for p in m.parse(w)]\n"
    "     for m, ws in ((ru, words[0]), (uk, words[1])) for w in ws]]))\n"
)


def _parses(block_extension: bool):
    code = _PARSES.format(block="sys.modules['dawg'] = None\n" if block_extension else "")
    out = subprocess.run([sys.executable, "-c", code, json.dumps([WORDS_RU, WORDS_UK])],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_pymorphy3_uses_the_dawg_c_extension():
    assert pymorphy3.dawg.EXTENSION_AVAILABLE, "the `dawg` module (package dawg2) does not import"
    words = morph_analyzer().dictionary.words
    assert type(words).__mro__[1].__module__ == "dawg", type(words).__mro__


def test_c_extension_and_pure_python_dawg_parse_alike():
    with_ext, without = _parses(False), _parses(True)
    assert with_ext[0] is True and without[0] is False
    assert with_ext[1] == without[1]
    assert all(with_ext[1])     # every word has at least one reading
