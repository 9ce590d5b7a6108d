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

from parallax.render.jsonout import article_labels
from parallax.render.page import escape, page_start
from parallax.resources import read_text

STATUSES = ("consensus", "partial", "unique", "conflict")
# Which colour a segment gets when spans of several claims overlap it.
STATUS_PRIORITY = {"conflict": 0, "partial": 1, "consensus": 2, "unique": 3}
RELATIONS = ("verbatim", "trimmed", "reworded", "single")
LINK_SCHEMES = ("http", "https")
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")
LAYERS = (("cl", "claims"), ("ent", "entities"), ("q", "quotes"), ("fr", "framing terms"), ("att", "sources"))


def render_html(doc: dict) -> str:
    stories = doc.get("stories", [])
    if len(stories) == 1:
        page_title = f"Parallax — {stories[0].get('title', '')}"
    else:
        page_title = f"Parallax — {len(stories)} stories"
    out = [
        page_start(page_title, csp=CSP, css=report_asset("report.css")),
        '<header class="page-head"><h1>Parallax</h1>',
        f'<span class="meta">{escape(doc.get("generator", ""))}',
        f' · {escape(doc["created"])}' if doc.get("created") else "",
        f" · {len(stories)} stor{'y' if len(stories) == 1 else 'ies'}</span></header>\n",
        render_legend(),
        _errors(doc.get("errors", [])),
    ]
    if len(stories) > 1:
        out.append('<nav class="sections">')
        out.extend(f'<a href="#s{k}">{escape(s.get("title", ""))}</a>' for k, s in enumerate(stories))
        out.append("</nav>\n")
    if not stories:
        out.append('<p class="empty">No stories.</p>\n')
    for k, story in enumerate(stories):
        out.append(_StoryView(story, k).render())
    out.append(f"<script>\n{report_asset('report.js')}</script>\n</body>\n</html>\n")
    return "".join(out)


# ---- pieces reused by the web app -----------------------------------------------------------------

def render_story(story: dict, number: int = 0) -> str:
    """One story of a parallax-v1 document as an HTML `<section class="story">`: the articles side by side
    with every span marked, then consensus, partial, additions, conflicts, quotes, framing, sources,
    entities. Element ids are prefixed `s{number}-` so several stories can share a page."""
    return _StoryView(story, number).render()


def render_article_text(story: dict, article_id: str, number: int = 0) -> str:
    """The text of one article of `story` with its spans marked exactly as on the story page (same
    anchor ids: `s{number}-a{j}-{offset}` with `j` the article's position in the story)."""
    view = _StoryView(story, number)
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


def _badge(text: str, cls: str = "") -> str:
    return f'<span class="badge{" " + cls if cls else ""}">{escape(text)}</span>'


def _status_class(status: str) -> str:
    return f"st-{status}" if status in STATUSES else "st-other"


def render_legend() -> str:
    """The claim-status colours, mark samples and layer toggles shown above a story."""
    swatches = "".join(f'<span class="swatch {_status_class(s)}">{s}</span>' for s in STATUSES)
    samples = ('<span class="ent">entity</span><span class="q">quote</span><span class="cv">conflicting value</span>'
               '<span class="fr">framing term</span><span class="att">source cited</span>')
    toggles = "".join(f'<label><input type="checkbox" data-layer="{key}" checked> {label}</label>'
                      for key, label in LAYERS)
    return (f'<div class="legend"><strong>Claims:</strong>{swatches}<strong>Marks:</strong>{samples}'
            f'<strong>Show:</strong>{toggles}</div>\n')


def _errors(errors: list[dict]) -> str:
    if not errors:
        return ""
    items = []
    for err in errors:
        where = err.get("file", "")
        if err.get("line") is not None:
            where = f"{where}:{err['line']}"
        items.append(f"<li><code>{escape(where)}</code>: {escape(err.get('error', ''))}</li>")
    return (f'<section class="errors" id="errors"><h3>Inputs that could not be used ({len(errors)})</h3>'
            f'<ul class="plain">{"".join(items)}</ul></section>\n')


@dataclass
class _Mark:
    start: int
    end: int
    layer: str          # cl | q | ent | cv | fr | att
    group: str | None   # claim / quote / entity id, for data-* attributes
    status: str | None  # claim status
    note: str           # tooltip line


# ---- one story ------------------------------------------------------------------------------------

class _StoryView:
    def __init__(self, story: dict, number: int):
        self.story = story
        self.prefix = f"s{number}"
        self.articles = story.get("articles", [])
        self.position = {a["id"]: j for j, a in enumerate(self.articles)}
        self.labels = article_labels(story)
        self.entity_names = {e["id"]: e.get("name", e["id"]) for e in story.get("entities", [])}
        self.marks: list[list[_Mark]] = [[] for _ in self.articles]
        self.anchors: list[set[int]] = [set() for _ in self.articles]
        self._collect_marks()

    # -- spans and anchors --

    def _mark(self, article: str, start: Any, end: Any, layer: str, group: str | None = None,
              status: str | None = None, note: str = "") -> None:
        j = self.position.get(article)
        if j is None or not isinstance(start, int) or not isinstance(end, int):
            return
        if not 0 <= start < end <= len(self.articles[j]["text"]):
            return
        self.marks[j].append(_Mark(start, end, layer, group, status, note))
        self.anchors[j].add(start)

    def _collect_marks(self) -> None:
        for claim in self.story.get("claims", []):
            outlets = ", ".join(dict.fromkeys(self.labels.get(m["article"], m["article"]) for m in claim["members"]))
            for m in claim["members"]:
                self._mark(m["article"], m["start"], m["end"], "cl", claim["id"], claim["status"],
                           f"{claim['status']} claim {claim['id']}: {outlets}")
            for conflict in claim.get("conflicts", []):
                for article, (start, end) in conflict.get("spans", {}).items():
                    self._mark(article, start, end, "cv", claim["id"], None,
                               f"{conflict['kind']} conflict: {conflict.get('description', '')}")
        for group in self.story.get("quotes", []):
            speaker = group.get("speaker_name") or "unknown speaker"
            for r in group["renderings"]:
                self._mark(r["article"], r["start"], r["end"], "q", group["id"], None,
                           f"quote {group['id']} ({speaker}, {r['relation']})")
        for entity in self.story.get("entities", []):
            for m in entity["mentions"]:
                self._mark(m["article"], m["start"], m["end"], "ent", entity["id"], None,
                           f"{entity['type']}: {entity['name']}" + (f" ({m['kind']})" if m["kind"] != "name" else ""))
        for entry in self.story.get("framing", []):
            for article, terms in entry.get("terms", {}).items():
                for t in terms:
                    label = f" [{t['label']}]" if t.get("label") else ""
                    self._mark(article, t["start"], t["end"], "fr", None, None,
                               f"framing · {entry['category']} / {entry['concept']}: {t['term']}{label}")
        for att in self.story.get("attributions", []):
            self._mark(att["article"], att["start"], att["end"], "att", None, None,
                       f"source: {att['source']}" + (f" ({att['kind']})" if att.get("kind") else ""))

    def anchor_id(self, j: int, offset: int) -> str:
        return f"{self.prefix}-a{j}-{offset}"

    def link(self, article: str, start: Any, inner_html: str, data: str = "") -> str:
        """`inner_html` as a link to the span at `start`, or plain when there is no such span."""
        j = self.position.get(article)
        if j is None or start not in self.anchors[j]:
            return inner_html
        return f'<a class="jump" href="#{self.anchor_id(j, start)}"{data}>{inner_html}</a>'

    def outlet(self, article: str) -> str:
        return escape(self.labels.get(article, article))

    # -- page parts --

    def render(self) -> str:
        story, p = self.story, self.prefix
        claims = story.get("claims", [])
        counts = {s: sum(1 for c in claims if c["status"] == s) for s in STATUSES}
        outlets = ", ".join(self.outlet(a["id"]) for a in self.articles)
        sections = [("consensus", "Consensus"), ("partial", "Partial"), ("adds", "What each outlet adds"),
                    ("conflicts", "Conflicts"), ("quotes", "Quotes"), ("framing", "Framing"),
                    ("sources", "Sources cited"), ("entities", "Entities")]
        nav = "".join(f'<a href="#{p}-{key}">{title}</a>' for key, title in sections)
        head = (
            f'<section class="story" id="{p}"><header><h2>{escape(story.get("title", ""))}</h2>'
            f'<p class="meta">{escape(story.get("date") or "date unknown")} · {len(self.articles)} article(s): {outlets}'
            f' · claims: ' + ", ".join(f"{counts[s]} {s}" for s in STATUSES) +
            f' · {len(story.get("quotes", []))} quote group(s) · {len(story.get("entities", []))} entities</p>'
            f'<nav class="sections"><a href="#{p}-articles">Articles</a>{nav}</nav></header>\n'
        )
        return "".join([
            head,
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

    def _section(self, key: str, title: str, body: str) -> str:
        return f'<section id="{self.prefix}-{key}"><h3>{escape(title)}</h3>{body}</section>\n'

    def _articles(self) -> str:
        cols = []
        for j, art in enumerate(self.articles):
            meta = [escape(art.get("date") or "no date"),
                    f'{escape(art.get("language"))} ({escape(art.get("language_confidence"))})']
            if art.get("source"):
                meta.append(f'<code>{escape(art["source"])}</code>')
            if art.get("encoding") and art["encoding"].lower() not in ("utf-8", "utf8"):
                meta.append(escape(art["encoding"]))
            href = safe_href(art.get("url"))
            if href:
                url = (f'<div class="url"><a href="{escape(href)}" rel="noopener noreferrer nofollow" '
                       f'target="_blank">{escape(art["url"])}</a></div>')
            elif art.get("url"):
                url = f'<div class="url muted">{escape(art["url"])}</div>'
            else:
                url = ""
            title = f'<div class="title">{escape(art["title"])}</div>' if art.get("title") else ""
            cols.append(
                f'<article class="doc" id="{self.prefix}-a{j}"><header><h4>{self.outlet(art["id"])}</h4>{title}'
                f'<div class="meta">{" · ".join(meta)}</div>{url}</header>'
                f'<div class="text" lang="{escape(art.get("language", ""))}">{self._article_text(j)}</div></article>'
            )
        return f'<div class="articles" id="{self.prefix}-articles">{"".join(cols)}</div>\n'

    def _article_text(self, j: int) -> str:
        text = self.articles[j]["text"]
        marks = self.marks[j]
        cuts = sorted({0, len(text)} | {m.start for m in marks} | {m.end for m in marks})
        out = []
        for start, end in zip(cuts, cuts[1:]):
            if start in self.anchors[j]:
                out.append(f'<span class="anchor" id="{self.anchor_id(j, start)}"></span>')
            piece = escape(text[start:end])
            covering = [m for m in marks if m.start <= start and m.end >= end]
            out.append(self._segment(covering, piece) if covering else piece)
        return "".join(out)

    def _segment(self, covering: list[_Mark], piece: str) -> str:
        classes: list[str] = []
        data: dict[str, list[str]] = {}
        claims = [m for m in covering if m.layer == "cl"]
        if claims:
            top = min(claims, key=lambda m: STATUS_PRIORITY.get(m.status or "", 9))
            classes += ["cl", _status_class(top.status or "")]
        for layer, attr in (("cl", "data-claim"), ("q", "data-quote"), ("ent", "data-entity")):
            ids = [_token(m.group) for m in covering if m.layer == layer and m.group is not None]
            if ids:
                data[attr] = list(dict.fromkeys(ids))
        for layer in ("q", "ent", "cv", "fr", "att"):
            if any(m.layer == layer for m in covering):
                classes.append(layer)
        attrs = "".join(f' {name}="{escape(" ".join(ids))}"' for name, ids in data.items())
        tip = "\n".join(dict.fromkeys(m.note for m in covering if m.note))
        return f'<span class="{" ".join(classes)}"{attrs} title="{escape(tip)}">{piece}</span>'

    def _members_links(self, claim: dict) -> str:
        data = f' data-claim="{escape(_token(claim["id"]))}"'
        links = []
        for m in sorted(claim["members"], key=lambda m: self.position.get(m["article"], len(self.position))):
            sim = f" ({m['similarity']:.2f})" if isinstance(m.get("similarity"), (int, float)) else ""
            links.append(self.link(m["article"], m["start"], self.outlet(m["article"]) + escape(sim), data))
        return " · ".join(links)

    def _claim_item(self, claim: dict, extra: str = "") -> str:
        first = claim["members"][0]
        return (f'<li class="{_status_class(claim["status"])}" data-claim="{escape(_token(claim["id"]))}">'
                f'{escape(first["text"])} <span class="where">— {self._members_links(claim)}{extra}</span></li>')

    def _claim_list(self, claims: list[dict], empty: str, extra=None) -> str:
        if not claims:
            return f'<p class="empty">{escape(empty)}</p>'
        items = "".join(self._claim_item(c, extra(c) if extra else "") for c in claims)
        return f'<ol class="claims">{items}</ol>'

    def _consensus(self) -> str:
        claims = [c for c in self.story.get("claims", []) if c["status"] == "consensus"]
        return self._section("consensus", f"Consensus ({len(claims)})",
                             '<p class="muted">Reported by every outlet.</p>'
                             + self._claim_list(claims, "No claim is reported by every outlet."))

    def _partial(self) -> str:
        claims = [c for c in self.story.get("claims", []) if c["status"] == "partial"]

        def missing(claim: dict) -> str:
            present = {m["article"] for m in claim["members"]}
            absent = [self.outlet(a["id"]) for a in self.articles if a["id"] not in present]
            return f"; not in {', '.join(absent)}" if absent else ""

        return self._section("partial", f"Partial ({len(claims)})",
                             '<p class="muted">Reported by some outlets but not all.</p>'
                             + self._claim_list(claims, "No partially shared claims.", missing))

    def _adds(self) -> str:
        claims = [c for c in self.story.get("claims", []) if c["status"] == "unique"]
        parts = []
        for art in self.articles:
            own = [c for c in claims if any(m["article"] == art["id"] for m in c["members"])]
            parts.append(f'<h4>{self.outlet(art["id"])} ({len(own)})</h4>'
                         + self._claim_list(own, "Nothing that no other outlet reports."))
        return self._section("adds", "What each outlet adds", "".join(parts))

    def _conflicts(self) -> str:
        claims = [c for c in self.story.get("claims", []) if c["status"] == "conflict" or c.get("conflicts")]
        if not claims:
            return self._section("conflicts", "Conflicts (0)", '<p class="empty">No conflicting facts found.</p>')
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
                body.append(f'<div class="conflict">{_badge(conflict["kind"])} {escape(conflict.get("description", ""))}'
                            f'<div class="side">{"".join(cards)}</div></div>')
            if not claim.get("conflicts"):
                cards = [f'<div class="card"><div class="outlet">{self.outlet(m["article"])}</div>'
                         f'{self.link(m["article"], m["start"], escape(m["text"]), data)}</div>' for m in claim["members"]]
                body.append(f'<div class="conflict">{_badge("conflict")} claim {escape(claim["id"])}'
                            f'<div class="side">{"".join(cards)}</div></div>')
            parts.append("".join(body))
        return self._section("conflicts", f"Conflicts ({len(claims)})", "".join(parts))

    def _quotes(self) -> str:
        groups = self.story.get("quotes", [])
        if not groups:
            return self._section("quotes", "Quotes (0)", '<p class="empty">No quotes found.</p>')
        parts = []
        for group in groups:
            data = f' data-quote="{escape(_token(group["id"]))}"'
            speaker = escape(group.get("speaker_name") or "unknown speaker")
            if group.get("speaker") in self.entity_names:
                speaker = f'<span data-entity="{escape(_token(group["speaker"]))}">{speaker}</span>'
            cards = []
            for r in group["renderings"]:
                said = f'<div class="muted">as “{escape(r["speaker_text"])}”</div>' if r.get("speaker_text") else ""
                sim = f" · {r['similarity']:.2f}" if isinstance(r.get("similarity"), (int, float)) else ""
                cards.append(
                    f'<div class="card"><div class="outlet">{self.outlet(r["article"])} '
                    f'{_badge(r["relation"], "rel-" + r["relation"] if r["relation"] in RELATIONS else "")}</div>'
                    f'<div class="muted">{escape(r["kind"])}{escape(sim)} · '
                    f'{self.link(r["article"], r["start"], "in the text", data)}</div>'
                    f'<div class="quote-text">{_diff_html(r)}</div>{said}</div>'
                )
            relation = group["relation"]
            parts.append(
                f'<div class="quote-group"{data}><strong>{speaker}</strong> '
                f'{_badge(relation, "rel-" + relation if relation in RELATIONS else "")} '
                f'<span class="muted">{len(group["renderings"])} rendering(s)</span>'
                f'<div class="side">{"".join(cards)}</div></div>'
            )
        return self._section("quotes", f"Quotes ({len(groups)})",
                             '<p class="muted">Differences from the first rendering: '
                             '<ins>added</ins> and <del>left out</del>.</p>' + "".join(parts))

    def _framing(self) -> str:
        entries = self.story.get("framing", [])
        body = []
        if entries:
            head = "".join(f"<th>{self.outlet(a['id'])}</th>" for a in self.articles)
            rows = []
            for entry in entries:
                cells = []
                for art in self.articles:
                    terms = entry.get("terms", {}).get(art["id"], [])
                    cells.append("<td>" + ", ".join(
                        self.link(art["id"], t["start"], escape(t["term"]))
                        + (" " + _badge(t["label"]) if t.get("label") else "") for t in terms) + "</td>")
                rows.append(f"<tr><td>{escape(entry['category'])}</td><td>{escape(entry['concept'])}</td>{''.join(cells)}"
                            f"<td>{escape(entry.get('note') or '')}</td></tr>")
            body.append(f'<div class="scroll"><table><thead><tr><th>Category</th><th>Concept</th>{head}<th>Note</th>'
                        f'</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
        else:
            body.append('<p class="empty">No framing terms found.</p>')
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
            body.append(f'<h4>Same fact, different words</h4><ol class="claims">{"".join(items)}</ol>')
        return self._section("framing", "Framing", "".join(body))

    def _sources(self) -> str:
        atts = self.story.get("attributions", [])
        parts = []
        for art in self.articles:
            own = [a for a in atts if a["article"] == art["id"]]
            if not own:
                parts.append(f'<h4>{self.outlet(art["id"])}</h4><p class="empty">No sources named.</p>')
                continue
            rows = "".join(
                f"<tr><td>{escape(a['source'])}</td><td>{escape(a.get('kind') or '')}</td><td>{escape(a['cue'])}</td>"
                f"<td>{self.link(a['article'], a['start'], escape(a['text']))}</td></tr>" for a in own)
            parts.append(f'<h4>{self.outlet(art["id"])} ({len(own)})</h4><div class="scroll"><table><thead><tr>'
                         f'<th>Source</th><th>Kind</th><th>Cue</th><th>Text</th></tr></thead><tbody>{rows}'
                         f'</tbody></table></div>')
        return self._section("sources", "Sources cited", "".join(parts))

    def _entities(self) -> str:
        entities = self.story.get("entities", [])
        if not entities:
            return self._section("entities", "Entities (0)", '<p class="empty">No entities found.</p>')
        head = "".join(f"<th>{self.outlet(a['id'])}</th>" for a in self.articles)
        rows = []
        for entity in entities:
            data = f' data-entity="{escape(_token(entity["id"]))}"'
            cells = []
            for art in self.articles:
                mentions = [m for m in entity["mentions"] if m["article"] == art["id"]]
                first: dict[str, dict] = {}
                for m in mentions:
                    first.setdefault(m["text"], m)
                forms = ", ".join(self.link(art["id"], m["start"], escape(text), data) for text, m in first.items())
                cells.append(f"<td>{len(mentions) or ''}{' · ' + forms if forms else ''}</td>")
            aliases = ", ".join(escape(a) for a in entity.get("aliases", []))
            rows.append(f"<tr{data}><td><strong>{escape(entity['name'])}</strong> {_badge(entity['type'])}</td>"
                        f"<td>{aliases}</td>{''.join(cells)}</tr>")
        return self._section("entities", f"Entities ({len(entities)})",
                             f'<div class="scroll"><table><thead><tr><th>Entity</th><th>Aliases</th>{head}</tr></thead>'
                             f'<tbody>{"".join(rows)}</tbody></table></div>')


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
