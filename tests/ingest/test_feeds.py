import datetime as dt

import pytest

from parallax.ingest.errors import InputError
from parallax.ingest.feeds import (
    fetch_url,
    html_fragment_to_text,
    iter_feed,
    looks_like_feed,
)

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Новости Города</title><link>https://city.example/</link>
<item><title>Мост открыли</title><link>https://city.example/news/1</link><guid>city-1</guid>
<pubDate>Tue, 14 May 2024 06:30:00 GMT</pubDate>
<description><![CDATA[<p>Новый мост открыли.</p><p>Движение <b>запустили</b> по четырём полосам.</p>]]></description></item>
<item><title>Только заголовок</title><link>https://city.example/news/2</link></item>
<item><title></title><description></description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title>
<entry><id>urn:a:1</id><title>Bridge opens</title><link href="https://a.example/1"/>
<updated>2024-05-14T06:30:00Z</updated><content type="html">&lt;p&gt;The bridge opened.&lt;/p&gt;</content></entry>
</feed>"""


def test_rss_entries():
    items = list(iter_feed(RSS.encode(), name="city.xml"))
    arts = [i for i in items if not isinstance(i, InputError)]
    errs = [i for i in items if isinstance(i, InputError)]
    assert [a.id for a in arts] == ["city-1", "https://city.example/news/2"]
    first = arts[0]
    assert first.outlet == "Новости Города" and first.url == "https://city.example/news/1"
    assert first.text == "Новый мост открыли.\nДвижение запустили по четырём полосам."
    assert first.date == dt.date(2024, 5, 14) and first.meta["summary_only"] is True
    assert arts[1].text == "Только заголовок"
    assert len(errs) == 1 and errs[0].source == "city.xml entry 3"


def test_atom_content():
    [art] = list(iter_feed(ATOM.encode(), name="a.atom"))
    assert (art.id, art.text, art.outlet) == ("urn:a:1", "The bridge opened.", "Atom News")
    assert art.meta["summary_only"] is False


def test_not_a_feed():
    [err] = list(iter_feed(b"just some words", name="x.xml"))
    assert isinstance(err, InputError)


def test_looks_like_feed():
    assert looks_like_feed(RSS.encode()) and looks_like_feed(ATOM.encode())
    assert not looks_like_feed(b"<!doctype html><html></html>")


def test_fragment_to_text_drops_scripts():
    assert html_fragment_to_text("<p>a&amp;b</p><script>x()</script><div>c</div>") == "a&b\nc"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed", "/local/path"])
def test_fetch_refuses_non_http_urls(url):
    with pytest.raises(InputError) as info:
        fetch_url(url)
    assert "only http and https" in info.value.problem
