"""One self-contained HTML page from a parallax-v1 document.

The page loads nothing: CSS and JS are inlined from `templates/`, and a Content-Security-Policy forbids
every fetch, so a page opened from disk cannot leak that it was opened. Article text is untrusted input:
it is cut at span offsets and every piece is escaped; spans that overlap are split into non-overlapping
segments, each carrying the classes of every span that covers it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from parallax.render.kd_text import key_difference_text
from parallax.render.outlet_view import OutletIndex
from parallax.render.page import DEFAULT_LANG, escape, label, page_start, say
from parallax.resources import read_text

STATUSES = ("consensus", "partial", "unique", "conflict")
# Which colour a segment gets when spans of several claims overlap it.
STATUS_PRIORITY = {"conflict": 0, "partial": 1, "consensus": 2, "unique": 3}
RELATIONS = ("verbatim", "trimmed", "reworded", "translated", "single")
# A story of more posts than this is "big": its long reference sections start folded, and each list shows
# its first few items with the rest folded, so the page stays a few screens long.
BIG_STORY = 6
SHOWN = {"partial": 5, "adds": 3, "conflicts": 3}
ENTITY_ROWS = 20          # rows of the entities table of a big story: the most mentioned
LINK_SCHEMES = ("http", "https")
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")
LAYERS = ("cl", "ent", "q", "fr", "att")
KD_KINDS = ("conflict", "only_some", "quote", "term")
MARKS = ("ent", "q", "cv", "fr", "att")


def render_html(doc: dict, lang: str = DEFAULT_LANG, links: dict[str, str] | None = None) -> str:
    """The report page in `lang` (ru, en); `links`: article id -> the original's URL (`original_link`)."""
    stories = doc.get("stories", [])
    if len(stories) == 1:
        page_title = f"Parallax — {stories[0].get('title', '')}"
    else:
        page_title = f"Parallax — {say(lang, 'report.stories', n=len(stories))}"
    out = [
        page_start(page_title, csp=CSP, css=report_asset("report.css"), lang=lang),
        '<header class="page-head"><h1>Parallax</h1>',
        f'<span class="meta">{escape(doc.get("generator", ""))}',
        f' · {escape(doc["created"])}' if doc.get("created") else "",
        f" · {escape(say(lang, 'report.stories', n=len(stories)))}</span></header>\n",
        render_legend(lang),
        _errors(doc.get("errors", []), lang),
    ]
    if len(stories) > 1:
        out.append('<nav class="sections">')
        out.extend(f'<a href="#s{k}">{escape(s.get("title", ""))}</a>' for k, s in enumerate(stories))
        out.append("</nav>\n")
    if not stories:
        out.append(f'<p class="empty">{escape(say(lang, "report.no_stories"))}</p>\n')
    for k, story in enumerate(stories):
        out.append(_StoryView(story, k, lang, links).render())
    out.append(f"<script>\n{report_asset('report.js')}</script>\n</body>\n</html>\n")
    return "".join(out)


# ---- pieces reused by the web app -----------------------------------------------------------------

def render_story(story: dict, number: int = 0, key_differences: bool = True, lang: str = DEFAULT_LANG,
                 links: dict[str, str] | None = None) -> str:
    """One story of a parallax-v1 document as an HTML `<section class="story">`: the key differences, the
    outlets side by side (each a column of its posts, later ones folded) with every span marked, then
    consensus, partial, additions, conflicts, quotes, framing, sources, entities. Element ids are prefixed
    `s{number}-` so several stories can share a page. A page that shows `render_key_differences` elsewhere
    passes `key_differences=False`. `lang`: ru or en; `links`: article id -> the original's URL."""
    return _StoryView(story, number, lang, links).render(key_differences)


def render_key_differences(story: dict, number: int = 0, lang: str = DEFAULT_LANG) -> str:
    """The key differences of a story, linked into `render_story(story, number)` on the same page."""
    return _StoryView(story, number, lang).key_differences()


def render_article_text(story: dict, article_id: str, number: int = 0, lang: str = DEFAULT_LANG) -> str:
    """The text of one article of `story` with its spans marked exactly as on the story page (same
    anchor ids: `s{number}-a{j}-{offset}` with `j` the article's position in the story)."""
    view = _StoryView(story, number, lang)
    j = view.position.get(article_id)
    if j is None:
        raise KeyError(article_id)
    return view._article_text(j)


def article_anchors(story: dict, article_id: str, number: int = 0) -> dict[int, str]:
    """Start offset -> anchor id of every marked span of that article (what `render_article_text` and
    `render_story` put in the page), so other pages can link to a source sentence."""
    view = _StoryView(story, number)
    j = view.position.get(article_id)
    if j is None:
        return {}
    return {start: view.anchor_id(j, start) for start in sorted(view.anchors[j])}


# ---- small helpers --------------------------------------------------------------------------------

def short_url(url: str, limit: int = 60) -> str:
    """'https://t.me/rian_ru/271523' -> 't.me/rian_ru/271523', cut at `limit` characters."""
    text = re.sub(r"^https?://(www\.)?", "", url.strip()).rstrip("/")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _number(group_id: Any) -> str:
    """'c12' -> '12': a claim or quote group shown by its number, not its id."""
    text = str(group_id)
    digits = text.lstrip("abcdefghijklmnopqrstuvwxyz")
    return digits if digits.isdigit() else text


def _token(value: Any) -> str:
    """A group id as one token of a space-separated data attribute."""
    return re.sub(r"\s+", "_", str(value))


def safe_href(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) URL safe to put in a link, else None."""
    if not url:
        return None
    url = url.strip()
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.netloc:
        return None
    return url


@lru_cache(maxsize=None)
def report_asset(name: str) -> str:
    """`report.css` or `report.js`, as inlined into the report page."""
    text = read_text(f"render/templates/{name}")
    # Inlined verbatim: a closing tag inside would end the <style>/<script> element early.
    if "</" in text:
        raise ValueError(f"templates/{name} must not contain '</'")
    return text


def _words(text: str) -> str:
    """Only the letters and digits of `text`, lower-cased: to tell whether one text begins with another."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _badge(text: str, cls: str = "") -> str:
    return f'<span class="badge{" " + cls if cls else ""}">{escape(text)}</span>'


def _status_class(status: str) -> str:
    return f"st-{status}" if status in STATUSES else "st-other"


def _lang_attr(language: str | None) -> str:
    """` lang="uk"` on a piece of an article's own text (screen readers, hyphenation), nothing when unknown."""
    return f' lang="{escape(language)}"' if language else ""


def render_legend(lang: str = DEFAULT_LANG) -> str:
    """The claim-status colours, mark samples and layer toggles shown above a story."""
    swatches = "".join(f'<span class="swatch {_status_class(s)}">{escape(label(lang, "status", s))}</span>'
                       for s in STATUSES)
    samples = "".join(f'<span class="{m}">{escape(say(lang, "report.mark." + m))}</span>' for m in MARKS)
    toggles = "".join(f'<label><input type="checkbox" data-layer="{key}" checked> '
                      f'{escape(say(lang, "report.layer." + key))}</label>' for key in LAYERS)
    return (f'<div class="legend"><strong>{escape(say(lang, "report.legend.claims"))}</strong>{swatches}'
            f'<strong>{escape(say(lang, "report.legend.marks"))}</strong>{samples}'
            f'<strong>{escape(say(lang, "report.legend.show"))}</strong>{toggles}</div>\n')


def _errors(errors: list[dict], lang: str = DEFAULT_LANG) -> str:
    if not errors:
        return ""
    items = []
    for err in errors:
        where = err.get("file", "")
        if err.get("line") is not None:
            where = f"{where}:{err['line']}"
        items.append(f"<li><code>{escape(where)}</code>: {escape(err.get('error', ''))}</li>")
    return (f'<section class="errors" id="errors"><h3>{escape(say(lang, "report.errors", n=len(errors)))}</h3>'
            f'<ul class="plain">{"".join(items)}</ul></section>\n')


@dataclass
class _Mark:
    start: int
    end: int
    layer: str          # cl | q | ent | cv | fr | att
    group: str | None   # claim / quote / entity id, for data-* attributes
    status: str | None  # claim status
    note: str           # tooltip line
    repeat: bool = False  # a later post of the outlet stating the claim again


# ---- one story ------------------------------------------------------------------------------------

class _StoryView:
    def __init__(self, story: dict, number: int, lang: str = DEFAULT_LANG, links: dict[str, str] | None = None):
        self.story = story
        self.lang = lang
        self.links = links or {}
        self.prefix = f"s{number}"
        self.articles = story.get("articles", [])
        self.position = {a["id"]: j for j, a in enumerate(self.articles)}
        self.index = OutletIndex(story)
        self.labels = {a["id"]: self.index.post_label(a["id"]) for a in self.articles}
        # where the key differences link to: each claim's item in the list of its status, each quote group
        self.claim_ids: dict[str, str] = {}
        self.quote_ids: dict[str, str] = {}
        for i, c in enumerate(story.get("claims", [])):
            if c.get("status") in STATUSES and c.get("members"):
                self.claim_ids.setdefault(c["id"], f"{self.prefix}-claim{i}")
        for i, q in enumerate(story.get("quotes", [])):
            self.quote_ids.setdefault(q["id"], f"{self.prefix}-quote{i}")
        self.big = len(self.articles) > BIG_STORY
        # a story told in several languages marks the language of each sentence it quotes from them
        self.mixed_languages = len({a.get("language") for a in self.articles if a.get("language")}) > 1
        self.placed: set[str] = set()     # target ids already in the page (a malformed story may repeat an id)
        self.entity_names = {e["id"]: e.get("name", e["id"]) for e in story.get("entities", [])}
        self.marks: list[list[_Mark]] = [[] for _ in self.articles]
        self.anchors: list[set[int]] = [set() for _ in self.articles]
        self._collect_marks()

    def t(self, key: str, /, **fields: Any) -> str:
        """The report's text `key` in the page's language (escape it where it goes into HTML)."""
        return say(self.lang, f"report.{key}", **fields)

    def lb(self, group: str, value: Any) -> str:
        return label(self.lang, group, value)

    def posts(self, n: int) -> str:
        return self.t("posts", n=n)

    def outlet_label(self, name: str) -> str:
        n = self.index.size.get(name, 1)
        return name if n == 1 else self.t("outlet_posts", name=name, posts=self.posts(n))

    # -- spans and anchors --

    def _mark(self, article: str, start: Any, end: Any, layer: str, group: str | None = None,
              status: str | None = None, note: str = "", repeat: bool = False) -> None:
        j = self.position.get(article)
        if j is None or not isinstance(start, int) or not isinstance(end, int):
            return
        if not 0 <= start < end <= len(self.articles[j]["text"]):
            return
        self.marks[j].append(_Mark(start, end, layer, group, status, note, repeat))
        self.anchors[j].add(start)

    def _collect_marks(self) -> None:
        for claim in self.story.get("claims", []):
            outlets = ", ".join(self.index.claim_outlets(claim))
            status = self.lb("status", claim["status"])
            for m in claim["members"]:
                self._mark(m["article"], m["start"], m["end"], "cl", claim["id"], claim["status"],
                           self.t("tip.claim", status=status, outlets=outlets))
                for r in m.get("repeats", []):
                    update = f" ({r['update']})" if r.get("update") else ""
                    self._mark(r["article"], r["start"], r["end"], "cl", claim["id"], claim["status"],
                               self.t("tip.again", status=status, update=update, outlets=outlets), repeat=True)
            for conflict in claim.get("conflicts", []):
                for article, (start, end) in conflict.get("spans", {}).items():
                    self._mark(article, start, end, "cv", claim["id"], None,
                               self.t("tip.conflict", kind=self.lb("conflict", conflict["kind"]),
                                      description=conflict.get("description", "")))
        for group in self.story.get("quotes", []):
            speaker = group.get("speaker_name") or self.t("unknown_speaker")
            for r in group["renderings"]:
                self._mark(r["article"], r["start"], r["end"], "q", group["id"], None,
                           self.t("tip.quote", speaker=speaker, relation=self.lb("relation", r["relation"])))
        for entity in self.story.get("entities", []):
            for m in entity["mentions"]:
                self._mark(m["article"], m["start"], m["end"], "ent", entity["id"], None,
                           f"{self.lb('entity', entity['type'])}: {entity['name']}")
        for entry in self.story.get("framing", []):
            for article, terms in entry.get("terms", {}).items():
                for t in terms:
                    tag = f" [{self.lb('frame', t['label'])}]" if t.get("label") else ""
                    self._mark(article, t["start"], t["end"], "fr", None, None,
                               self.t("tip.framing", category=self.lb("category", entry["category"]),
                                      concept=self.lb("concept", entry["concept"]), term=t["term"], label=tag))
        for att in self.story.get("attributions", []):
            kind = f" ({self.lb('source_kind', att['kind'])})" if att.get("kind") else ""
            self._mark(att["article"], att["start"], att["end"], "att", None, None,
                       self.t("tip.source", source=att["source"], kind=kind))

    def _target(self, element_id: str | None) -> str:
        """` id="..."` the first time an element id is asked for, else nothing."""
        if not element_id or element_id in self.placed:
            return ""
        self.placed.add(element_id)
        return f' id="{element_id}"'

    def anchor_id(self, j: int, offset: int) -> str:
        return f"{self.prefix}-a{j}-{offset}"

    def link(self, article: str, start: Any, inner_html: str, data: str = "") -> str:
        """`inner_html` as a link to the span at `start`, or plain when there is no such span."""
        j = self.position.get(article)
        if j is None or start not in self.anchors[j]:
            return inner_html
        return f'<a class="jump" href="#{self.anchor_id(j, start)}"{data}>{inner_html}</a>'

    def outlet(self, article: str) -> str:
        """The escaped label of a post: its outlet, with '#k' when the outlet has several posts."""
        return escape(self.labels.get(article, article))

    # -- page parts --

    def render(self, key_differences: bool = True) -> str:
        story, p = self.story, self.prefix
        claims = story.get("claims", [])
        counts = {s: sum(1 for c in claims if c["status"] == s) for s in STATUSES}
        outlets = ", ".join(self.outlet_label(n) for n in self.index.names)
        sections = ["consensus", "partial", "adds", "conflicts", "quotes", "framing", "sources", "entities"]
        if key_differences:
            sections.insert(0, "key")
        sections.insert(1 if key_differences else 0, "articles")
        nav = "".join(f'<a href="#{p}-{key}">{escape(self.t("sec." + key))}</a>' for key in sections)
        line = self.t("head", date=story.get("date") or self.t("date_unknown"), posts=self.posts(len(self.articles)),
                      outlets=self.t("outlets", n=len(self.index.names)), names=outlets,
                      claims=", ".join(f"{counts[s]} {self.lb('status', s)}" for s in STATUSES),
                      quotes=self.t("quote_groups", n=len(story.get("quotes", []))),
                      entities=len(story.get("entities", [])))
        head = (
            f'<section class="story" id="{p}"><header><h2>{escape(story.get("title", ""))}</h2>'
            f'<p class="meta">{escape(line)}</p><nav class="sections" aria-label="{escape(self.t("sec.articles"))}">'
            f'{nav}</nav></header>\n'
        )
        return "".join([
            head,
            self.key_differences() if key_differences else "",
            self._articles(),
            self._consensus(),
            self._partial(),
            self._adds(),
            self._conflicts(),
            self._quotes(),
            self._framing(),
            self._sources(),
            self._entities(),
            "</section>\n",
        ])

    def key_differences(self) -> str:
        """The ranked points, each linked to the claim or quote group it rests on and to its sentences."""
        points = self.story.get("key_differences") or []
        claims = {c["id"]: c for c in self.story.get("claims", [])}
        quotes = {q["id"]: q for q in self.story.get("quotes", [])}
        items = []
        for n, point in enumerate(points, 1):
            kind = point.get("kind") or ""
            refs = []
            for cid in point.get("claims", []):
                if cid in self.claim_ids:
                    data = f' data-claim="{escape(_token(cid))}"'
                    refs.append(f'<a href="#{self.claim_ids[cid]}"{data}>{escape(self.t("claim_ref", n=_number(cid)))}</a>: '
                                f'{self._members_links(claims[cid], repeats=False)}')
            for qid in point.get("quotes", []):
                if qid in self.quote_ids:
                    data = f' data-quote="{escape(_token(qid))}"'
                    sentences = " · ".join(self.link(r["article"], r["start"], self.outlet(r["article"]), data)
                                           for r in quotes[qid]["renderings"])
                    refs.append(f'<a href="#{self.quote_ids[qid]}"{data}>{escape(self.t("quote_ref", n=_number(qid)))}'
                                f'</a>: {sentences}')
            if kind == "term" and not refs:
                refs.append(f'<a href="#{self.prefix}-framing">{escape(self.t("framing_ref"))}</a>')
            where = f'<div class="where">{"<br>".join(refs)}</div>' if refs else ""
            items.append(f'<li class="kd kd-{escape(_token(kind))}" id="{self.prefix}-kd{n}">'
                         f'{_badge(self.t("kd." + kind) if kind in KD_KINDS else kind)} '
                         f'{escape(key_difference_text(point, self.lang))}{where}</li>')
        if items:
            body = f'<ol class="key-diffs">{"".join(items)}</ol>'
        elif len(self.index.names) < 2:
            body = f'<p class="empty">{escape(self.t("kd.none_one"))}</p>'
        else:
            body = f'<p class="empty">{escape(self.t("kd.none"))}</p>'
        title = self.t("sec.key") + (f" ({len(items)})" if items else "")
        return (f'<section class="key-differences" id="{self.prefix}-key">'
                f'<h3>{escape(title)}</h3>{body}</section>\n')

    def _section(self, key: str, title: str, body: str, fold: bool = False) -> str:
        """A titled section; `fold`: in a big story, closed under its title."""
        if fold and self.big:
            return (f'<section id="{self.prefix}-{key}"><details class="fold"><summary><h3>{escape(title)}</h3>'
                    f'</summary>{body}</details></section>\n')
        return f'<section id="{self.prefix}-{key}"><h3>{escape(title)}</h3>{body}</section>\n'

    def _articles(self) -> str:
        """One column per outlet: its first post open, the later ones folded, in time order."""
        counts = self.index.status_counts()
        cols = []
        for k, outlet in enumerate(self.index.outlets):
            posts = [self._post(self.position[a]) for a in outlet["articles"]]
            own = counts.get(outlet["name"], {})
            chips = "".join(f'<span class="swatch {_status_class(s)}">{own[s]} {escape(self.lb("status", s))}</span>'
                            for s in STATUSES if own.get(s))
            kind = f' {_badge(self.lb("kind", outlet["kind"]), "k-edge-" + _token(outlet["kind"]))}' \
                if outlet.get("kind") else ""
            n = len(posts)
            later = ""
            if n > 1:
                dates = [self.articles[self.position[a]].get("date") for a in outlet["articles"][1:]]
                span = " – ".join(dict.fromkeys(d for d in (dates[0], dates[-1]) if d))
                later = (f'<details class="later"><summary>{escape(self.t("later", n=n - 1))}'
                         f'{f" <span class=muted>({escape(span)})</span>" if span else ""}</summary>'
                         f'{"".join(posts[1:])}</details>')
            none = f'<span class=muted>{escape(self.t("no_claims"))}</span>'
            body = f"{posts[0]}{later}"
            if self.big:
                # folded under the outlet on a phone (report.js closes these on narrow screens)
                body = (f'<details class="outlet-posts" open><summary>{escape(self.t("texts", n=n))}</summary>'
                        f'{body}</details>')
            cols.append(f'<section class="outlet-col" id="{self.prefix}-o{k}"><header class="outlet-head">'
                        f'<h4>{escape(outlet["name"])}{kind}</h4>'
                        f'<div class="meta">{escape(self.posts(n))}</div>'
                        f'<div class="chips">{chips or none}</div></header>'
                        f'{body}</section>')
        many = " many" if self.big else ""
        return f'<div class="outlets{many}" id="{self.prefix}-articles">{"".join(cols)}</div>\n'

    def _post(self, j: int) -> str:
        art = self.articles[j]
        # where the post came from is its original link, never a local path or an internal id
        meta = [escape(art.get("date") or self.t("no_date")), escape(art.get("language"))]
        if art.get("encoding") and art["encoding"].lower() not in ("utf-8", "utf8"):
            meta.append(escape(art["encoding"]))
        href = safe_href(self.links.get(art["id"]) or art.get("url"))
        if href:
            meta.append(f'<a class="original" href="{escape(href)}" rel="noopener noreferrer nofollow" '
                        f'target="_blank">{escape(short_url(href))} ↗</a>')
        url = f'<div class="url muted">{escape(art["url"])}</div>' if art.get("url") and not href else ""
        # a post's title is often its first sentence (Telegram): shown once is enough
        title = f'<div class="title">{escape(art["title"])}</div>' \
            if art.get("title") and not _words(art["text"]).startswith(_words(art["title"])) else ""
        # the post's own label only where its outlet has several (else the column head says it all)
        several = self.index.size.get(self.index.of.get(art["id"], ""), 1) > 1
        label = f'<h5>{self.outlet(art["id"])}</h5>' if several else ""
        return (f'<article class="doc" id="{self.prefix}-a{j}"><header>{label}{title}'
                f'<div class="meta">{" · ".join(meta)}</div>{url}</header>'
                f'<div class="text" lang="{escape(art.get("language", ""))}">{self._article_text(j)}</div></article>')

    def _article_text(self, j: int) -> str:
        text = self.articles[j]["text"]
        marks = self.marks[j]
        cuts = sorted({0, len(text)} | {m.start for m in marks} | {m.end for m in marks})
        out = []
        for start, end in zip(cuts, cuts[1:]):
            piece = escape(text[start:end])
            covering = [m for m in marks if m.start <= start and m.end >= end]
            anchor = self.anchor_id(j, start) if start in self.anchors[j] else None
            if covering:
                # the segment that begins at an anchor carries its id (no empty span: big pages stay small)
                out.append(self._segment(covering, piece, start, anchor))
            else:
                out.append((f'<span class="anchor" id="{anchor}"></span>' if anchor else "") + piece)
        return "".join(out)

    def _segment(self, covering: list[_Mark], piece: str, start: int = -1, anchor: str | None = None) -> str:
        classes: list[str] = []
        data: dict[str, list[str]] = {}
        claims = [m for m in covering if m.layer == "cl"]
        focus = ""
        if claims:
            top = min(claims, key=lambda m: STATUS_PRIORITY.get(m.status or "", 9))
            classes += ["cl", _status_class(top.status or "")]
            if all(m.repeat for m in claims):
                classes.append("rep")
            # where a claim begins, a keyboard stop (Enter shows the claim in every outlet) named by its
            # status and outlets; the rest of its segments are not stops of their own
            begins = [m for m in claims if m.start == start]
            if begins:
                focus = f' tabindex="0" role="button" aria-label="{escape(begins[0].note)}"'
        for layer, attr in (("cl", "data-claim"), ("q", "data-quote"), ("ent", "data-entity")):
            ids = [_token(m.group) for m in covering if m.layer == layer and m.group is not None]
            if ids:
                data[attr] = list(dict.fromkeys(ids))
        for layer in ("q", "ent", "cv", "fr", "att"):
            if any(m.layer == layer for m in covering):
                classes.append(layer)
        attrs = "".join(f' {name}="{escape(" ".join(ids))}"' for name, ids in data.items())
        # the tooltip where a mark begins, not again on every piece of it (a big story's page stays small)
        # (a claim's keyboard stop is named by its aria-label; an entity's type is in the entities table)
        tip = "\n".join(dict.fromkeys(m.note for m in covering if m.note and m.start == start and m.layer != "ent"
                                       and not (focus and m.layer == "cl")))
        title = f' title="{escape(tip)}"' if tip else ""
        where = f' id="{anchor}"' if anchor else ""
        classes += ["anchor"] if anchor else []
        return f'<span class="{" ".join(classes)}"{attrs}{where}{focus}{title}>{piece}</span>'

    def _members_links(self, claim: dict, repeats: bool = True) -> str:
        """A link to each outlet's sentence, then (`repeats`) to the later posts that state it again."""
        data = f' data-claim="{escape(_token(claim["id"]))}"'
        links = []
        for m in sorted(claim["members"], key=lambda m: self.position.get(m["article"], len(self.position))):
            sim = f" ({m['similarity']:.2f})" if repeats and isinstance(m.get("similarity"), (int, float)) else ""
            link = self.link(m["article"], m["start"], self.outlet(m["article"]) + escape(sim), data)
            again = [self.link(r["article"], r["start"], f"#{self.index.number.get(r['article'], '?')}", data)
                     for r in m.get("repeats", [])] if repeats else []
            if again:
                link += f' <span class="again">{escape(self.t("again_in", where="@@"))}</span>'.replace("@@", ", ".join(again))
            links.append(link)
        return " · ".join(links)

    def _claim_item(self, claim: dict, extra: str = "") -> str:
        first = claim["members"][0]
        anchor = self._target(self.claim_ids.get(claim["id"]))
        return (f'<li class="{_status_class(claim["status"])}"{anchor} data-claim="{escape(_token(claim["id"]))}">'
                f'{self._in_language(first)} <span class="where">— {self._members_links(claim)}{extra}</span></li>')

    def _in_language(self, member: dict) -> str:
        """A member's sentence; marked with its language where the story mixes languages."""
        if not self.mixed_languages or not member.get("lang"):
            return escape(member["text"])
        return (f'<span{_lang_attr(member["lang"])}>{escape(member["text"])}</span> '
                f'<span class="lang-mark">{escape(member["lang"])}</span>')

    def _claim_list(self, claims: list[dict], empty: str, extra=None, shown: int | None = None) -> str:
        """The claims as a list; in a big story only the first `shown`, the rest folded under 'N more'."""
        if not claims:
            return f'<p class="empty">{escape(empty)}</p>'
        items = [self._claim_item(c, extra(c) if extra else "") for c in claims]
        cut = shown if self.big and shown and len(items) > shown + 1 else len(items)
        out = f'<ol class="claims">{"".join(items[:cut])}</ol>'
        if cut < len(items):
            out += (f'<details class="more"><summary>{escape(self.t("more", n=len(items) - cut))}</summary>'
                    f'<ol class="claims" start="{cut + 1}">{"".join(items[cut:])}</ol></details>')
        return out

    def _consensus(self) -> str:
        claims = [c for c in self.story.get("claims", []) if c["status"] == "consensus"]
        return self._section("consensus", f"{self.t('sec.consensus')} ({len(claims)})",
                             f'<p class="muted">{escape(self.t("consensus.note"))}</p>'
                             + self._claim_list(claims, self.t("consensus.empty")))

    def _partial(self) -> str:
        claims = [c for c in self.story.get("claims", []) if c["status"] == "partial"]

        def missing(claim: dict) -> str:
            present = set(self.index.claim_outlets(claim))
            absent = [escape(n) for n in self.index.names if n not in present]
            return escape(self.t("partial.not_in", names="@@")).replace("@@", ", ".join(absent)) if absent else ""

        return self._section("partial", f"{self.t('sec.partial')} ({len(claims)})",
                             f'<p class="muted">{escape(self.t("partial.note"))}</p>'
                             + self._claim_list(claims, self.t("partial.empty"), missing, SHOWN["partial"]))

    def _adds(self) -> str:
        claims = [c for c in self.story.get("claims", []) if c["status"] == "unique"]
        parts, silent = [], []
        for outlet in self.index.outlets:
            own = [c for c in claims if outlet["name"] in self.index.claim_outlets(c)]
            if not own:
                silent.append(escape(outlet["name"]))
                continue
            head = self.t("adds.head", outlet=self.outlet_label(outlet["name"]), n=len(own))
            parts.append(f'<h4>{escape(head)}</h4>' + self._claim_list(own, "", shown=SHOWN["adds"]))
        if not parts:
            parts.append(f'<p class="empty">{escape(self.t("adds.empty"))}</p>')
        elif silent:
            parts.append(f'<p class="muted">{escape(self.t("adds.silent", names="@@")).replace("@@", ", ".join(silent))}</p>')
        return self._section("adds", self.t("sec.adds"), "".join(parts))

    def _conflicts(self) -> str:
        claims = [c for c in self.story.get("claims", []) if c["status"] == "conflict" or c.get("conflicts")]
        if not claims:
            return self._section("conflicts", f"{self.t('sec.conflicts')} (0)",
                                 f'<p class="empty">{escape(self.t("conflicts.empty"))}</p>')
        parts = []
        for claim in claims:
            data = f' data-claim="{escape(_token(claim["id"]))}"'
            members = {m["article"]: m for m in claim["members"]}
            body = []
            for conflict in claim.get("conflicts", []):
                cards = []
                for article, value in conflict.get("values", {}).items():
                    span = conflict.get("spans", {}).get(article)
                    target = span[0] if span else members.get(article, {}).get("start")
                    sentence = members.get(article)
                    context = (f'<div class="muted">{self.link(article, sentence["start"], escape(sentence["text"]), data)}</div>'
                               if sentence else "")
                    cards.append(f'<div class="card"><div class="outlet">{self.outlet(article)}</div>'
                                 f'<div class="value">{self.link(article, target, escape(value), data)}</div>{context}</div>')
                body.append(f'<div class="conflict">{_badge(self.lb("conflict", conflict["kind"]))} '
                            f'{escape(conflict.get("description", ""))}'
                            f'<div class="side">{"".join(cards)}</div></div>')
            if not claim.get("conflicts"):
                cards = [f'<div class="card"><div class="outlet">{self.outlet(m["article"])}</div>'
                         f'{self.link(m["article"], m["start"], escape(m["text"]), data)}</div>' for m in claim["members"]]
                body.append(f'<div class="conflict">{_badge(self.lb("status", "conflict"))} '
                            f'{escape(self.t("claim_ref", n=_number(claim["id"])))}'
                            f'<div class="side">{"".join(cards)}</div></div>')
            target = self._target(self.claim_ids.get(claim["id"])) if claim["status"] == "conflict" else ""
            parts.append(f'<div class="conflict-claim"{target}>{"".join(body)}</div>')
        cut = SHOWN["conflicts"] if self.big and len(parts) > SHOWN["conflicts"] + 1 else len(parts)
        more = (f'<details class="more"><summary>{escape(self.t("more", n=len(parts) - cut))}</summary>'
                f'{"".join(parts[cut:])}</details>') if cut < len(parts) else ""
        return self._section("conflicts", f"{self.t('sec.conflicts')} ({len(claims)})", "".join(parts[:cut]) + more,
                             fold=True)

    def _quotes(self) -> str:
        groups = self.story.get("quotes", [])
        if not groups:
            return self._section("quotes", f"{self.t('sec.quotes')} (0)",
                                 f'<p class="empty">{escape(self.t("quotes.empty"))}</p>')
        shared = [g for g in groups if len({self.index.of.get(r["article"]) for r in g["renderings"]}) > 1]
        single = [g for g in groups if g not in shared] if self.big else []
        parts = [self._quote_group(g) for g in groups if g not in single]
        if single:
            parts.append(f'<details class="more"><summary>{escape(self.t("quotes.single", n=len(single)))}'
                         f'</summary>{"".join(self._quote_group(g) for g in single)}</details>')
        # the note's <ins>/<del> samples are markup of the catalogue, not article text
        return self._section("quotes", f"{self.t('sec.quotes')} ({len(groups)})",
                             f'<p class="muted">{self.t("quotes.note")}</p>' + "".join(parts))

    def _quote_group(self, group: dict) -> str:
        data = f' data-quote="{escape(_token(group["id"]))}"'
        target = self._target(self.quote_ids.get(group["id"]))
        speaker = escape(group.get("speaker_name") or self.t("unknown_speaker"))
        if group.get("speaker") in self.entity_names:
            speaker = f'<span data-entity="{escape(_token(group["speaker"]))}">{speaker}</span>'
        cards = []
        for r in group["renderings"]:
            said = f'<div class="muted">{escape(self.t("quote.as", text=r["speaker_text"]))}</div>' \
                if r.get("speaker_text") else ""
            sim = f" · {r['similarity']:.2f}" if isinstance(r.get("similarity"), (int, float)) else ""
            cards.append(
                f'<div class="card"><div class="outlet">{self.outlet(r["article"])} '
                f'{_badge(self.lb("relation", r["relation"]), "rel-" + r["relation"] if r["relation"] in RELATIONS else "")}</div>'
                f'<div class="muted">{escape(self.lb("quote_kind", r["kind"]))}{escape(sim)} · '
                f'{self.link(r["article"], r["start"], escape(self.t("quote.in_text")), data)}</div>'
                f'<div class="quote-text"{_lang_attr(r.get("lang"))}>{_diff_html(r)}</div>{said}</div>'
            )
        relation = group["relation"]
        return (
            f'<div class="quote-group"{target}{data}><strong>{speaker}</strong> '
            f'{_badge(self.lb("relation", relation), "rel-" + relation if relation in RELATIONS else "")} '
            f'<span class="muted">{escape(self.t("quote.renderings", n=len(group["renderings"])))}</span>'
            f'<div class="side">{"".join(cards)}</div></div>'
        )

    def _framing(self) -> str:
        entries = self.story.get("framing", [])
        body = []
        if entries:
            head = "".join(f"<th>{escape(n)}</th>" for n in self.index.names)
            rows = []
            for entry in entries:
                cells = []
                for outlet in self.index.outlets:
                    terms = [(a, t) for a in outlet["articles"] for t in entry.get("terms", {}).get(a, [])]
                    cells.append("<td>" + ", ".join(
                        self.link(a, t["start"], escape(t["term"]))
                        + (" " + _badge(self.lb("frame", t["label"])) if t.get("label") else "") for a, t in terms)
                             + "</td>")
                rows.append(f"<tr><td>{escape(self.lb('category', entry['category']))}</td>"
                            f"<td>{escape(self.lb('concept', entry['concept']))}</td>{''.join(cells)}"
                            f"<td>{escape(entry.get('note') or '')}</td></tr>")
            ths = "".join(f"<th>{escape(self.t('framing.' + k))}</th>" for k in ("category", "concept"))
            body.append(f'<div class="scroll"><table><thead><tr>{ths}{head}<th>{escape(self.t("framing.note"))}</th>'
                        f'</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
        else:
            body.append(f'<p class="empty">{escape(self.t("framing.empty"))}</p>')
        worded = [c for c in self.story.get("claims", []) if c.get("framing") and c["framing"].get("terms")]
        if worded:
            items = []
            for claim in worded:
                data = f' data-claim="{escape(_token(claim["id"]))}"'
                members = {m["article"]: m for m in claim["members"]}
                rows = "".join(
                    f"<li>{self.link(article, members.get(article, {}).get('start'), self.outlet(article), data)}: "
                    + ", ".join(f"<q>{escape(p)}</q>" for p in phrases) + "</li>"
                    for article, phrases in claim["framing"]["terms"].items())
                items.append(f'<li class="{_status_class(claim["status"])}" data-claim="{escape(_token(claim["id"]))}">'
                             f'{escape(claim["members"][0]["text"])}<ul class="plain">{rows}</ul></li>')
            body.append(f'<h4>{escape(self.t("framing.same_fact"))}</h4><ol class="claims">{"".join(items)}</ol>')
        return self._section("framing", self.t("sec.framing"), "".join(body), fold=True)

    def _sources(self) -> str:
        atts = self.story.get("attributions", [])
        parts, silent = [], []
        for outlet in self.index.outlets:
            posts = set(outlet["articles"])
            own = [a for a in atts if a["article"] in posts]
            if not own:
                silent.append(escape(outlet["name"]))
                continue
            several = len(posts) > 1
            rows = "".join(
                f"<tr><td>{escape(a['source'])}</td><td>{escape(self.lb('source_kind', a.get('kind')))}</td>"
                f"<td>{escape(a['cue'])}</td>"
                f"<td>{self.link(a['article'], a['start'], escape(a['text']))}</td>"
                + (f"<td>#{self.index.number.get(a['article'], '?')}</td>" if several else "") + "</tr>" for a in own)
            cols = ("source", "kind", "cue", "text") + (("post",) if several else ())
            ths = "".join(f"<th>{escape(self.t('sources.' + c))}</th>" for c in cols)
            parts.append(f'<h4>{escape(outlet["name"])} ({len(own)})</h4><div class="scroll"><table><thead><tr>'
                         f'{ths}</tr></thead><tbody>{rows}</tbody></table></div>')
        if silent:
            parts.append(f'<p class="empty">{escape(self.t("sources.silent", names="@@")).replace("@@", ", ".join(silent))}</p>')
        return self._section("sources", self.t("sec.sources"), "".join(parts), fold=True)

    def _entities(self) -> str:
        entities = self.story.get("entities", [])
        if not entities:
            return self._section("entities", f"{self.t('sec.entities')} (0)",
                                 f'<p class="empty">{escape(self.t("entities.empty"))}</p>')
        head = "".join(f"<th>{escape(n)}</th>" for n in self.index.names)
        rows = []
        shown = entities
        if self.big and len(entities) > ENTITY_ROWS:      # the most mentioned; all of them are in the JSON
            keep = {e["id"] for e in sorted(entities, key=lambda e: -len(e["mentions"]))[:ENTITY_ROWS]}
            shown = [e for e in entities if e["id"] in keep]
        for entity in shown:
            data = f' data-entity="{escape(_token(entity["id"]))}"'
            cells = []
            for outlet in self.index.outlets:
                posts = set(outlet["articles"])
                mentions = [m for m in entity["mentions"] if m["article"] in posts]
                first: dict[str, dict] = {}
                for m in mentions:
                    first.setdefault(m["text"], m)
                forms = ", ".join(self.link(m["article"], m["start"], escape(text), data) for text, m in first.items())
                cells.append(f"<td>{len(mentions) or ''}{' · ' + forms if forms else ''}</td>")
            aliases = ", ".join(escape(a) for a in entity.get("aliases", []))
            rows.append(f"<tr{data}><td><strong>{escape(entity['name'])}</strong> {_badge(self.lb('entity', entity['type']))}</td>"
                        f"<td>{aliases}</td>{''.join(cells)}</tr>")
        ths = "".join(f"<th>{escape(self.t('entities.' + c))}</th>" for c in ("entity", "aliases"))
        rest = len(entities) - len(shown)
        more = f'<p class="muted">{escape(self.t("entities.more", n=rest))}</p>' if rest else ""
        return self._section("entities", f"{self.t('sec.entities')} ({len(entities)})",
                             f'<div class="scroll"><table><thead><tr>{ths}{head}</tr></thead>'
                             f'<tbody>{"".join(rows)}</tbody></table></div>{more}', fold=True)


def _diff_html(rendering: dict) -> str:
    diff = rendering.get("diff") or []
    if not diff:
        return escape(rendering["text"])
    out = []
    previous = ""
    for part in diff:
        raw = part["text"]
        # word_diff trims its segments: put back the space between two words that meet at a boundary
        if previous and raw and not previous[-1].isspace() and not raw[0].isspace() \
                and (raw[0].isalnum() or raw[0] in "«„(\"") and not previous.endswith(("«", "„", "(")):
            out.append(" ")
        previous = raw
        text = escape(raw)
        if part["op"] == "insert":
            out.append(f"<ins>{text}</ins>")
        elif part["op"] == "delete":
            out.append(f"<del>{text}</del>")
        else:
            out.append(text)
    return "".join(out)
