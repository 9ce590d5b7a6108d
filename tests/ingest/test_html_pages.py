import datetime as dt

import pytest

from parallax.ingest.errors import InputError
from parallax.ingest.html import read_html_file

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Мост открыли - Городские новости</title>
<meta property="og:site_name" content="Городские новости">
<link rel="canonical" href="https://city.example/news/bridge">
<meta property="article:published_time" content="2024-05-14T09:30:00+03:00">
</head><body><nav><a href="/">Главная</a> <a href="/news">Новости</a></nav>
<article><h1>Мост открыли</h1>
<p>Новый мост через реку открыли во вторник утром, сообщили в мэрии. Движение запустили по четырём полосам.</p>
<p>Строительство заняло три года и обошлось бюджету дороже, чем планировали изначально, признали чиновники.</p>
</article><footer>© 2024 Городские новости</footer></body></html>"""


def test_html_main_text_and_metadata(tmp_path):
    path = tmp_path / "bridge.html"
    path.write_text(PAGE, encoding="utf-8")
    art = read_html_file(path)
    assert art.outlet == "Городские новости"
    assert art.url == "https://city.example/news/bridge"
    assert art.title and "Мост открыли" in art.title
    assert art.date == dt.date(2024, 5, 14) and art.meta["published"] == "2024-05-14T06:30:00+00:00"
    assert art.text.startswith("Новый мост") and "Главная" not in art.text and "©" not in art.text
    assert art.id == "bridge"


def test_html_in_cp1251_with_declared_charset(tmp_path):
    path = tmp_path / "old.htm"
    path.write_bytes(PAGE.replace('charset="utf-8"', 'charset="windows-1251"').encode("cp1251"))
    art = read_html_file(path, outlet="Архив")
    assert "Новый мост" in art.text and art.encoding == "windows-1251"


@pytest.mark.parametrize("content", [b"<html><body><<<>>> </p></div>", b"<html><body><nav>menu</nav></body></html>",
                                     b"\x00\x01\x02\xff\xfe"])
def test_broken_html_is_rejected(tmp_path, content):
    path = tmp_path / "broken.html"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_html_file(path)
    assert info.value.source == str(path)
