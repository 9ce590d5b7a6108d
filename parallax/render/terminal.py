"""A terminal summary of a parallax-v1 document.

Article text is untrusted: control characters (including ESC, so no escape sequences of the article's
own) and bidi overrides are dropped before anything is printed.
"""
from __future__ import annotations

import re
import textwrap
import unicodedata

from parallax.render.jsonout import shorten
from parallax.render.outlet_view import OutletIndex, posts_word

STATUSES = ("consensus", "partial", "unique", "conflict")
# A story of more posts than this is "big": its long lists show their first items and say how many more
# there are (the JSON and HTML have them all), so the summary stays a few screens long.
BIG_STORY = 6
SHOWN = {"partial": 6, "adds": 3, "wording": 3}

_RESET = "\x1b[0m"
_STYLES = {
    "heading": "\x1b[1m",
    "story": "\x1b[1;4m",
    "muted": "\x1b[2m",
    "consensus": "\x1b[32m",
    "partial": "\x1b[33m",
    "unique": "\x1b[35m",
    "conflict": "\x1b[31m",
    "quote": "\x1b[36m",
    "insert": "\x1b[32m",
    "delete": "\x1b[31;9m",
}
# Bidi embedding/override/isolate controls can make printed text read differently from the bytes.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
_INSERT = re.compile(r"\{\+(.*?)\+\}", re.S)
_DELETE = re.compile(r"\[-(.*?)-\]", re.S)


def render_text(doc: dict, width: int = 100, color: bool = False, links: dict[str, str] | None = None) -> str:
    """The terminal report; `links`: article id -> the original's URL (else the article's own url), printed
    under its outlet so every post says where it came from."""
    return _TextReport(width, color, links).document(doc)


def clean(text: str | None) -> str:
    """One line of printable text: whitespace collapsed, control and bidi characters removed."""
    if not text:
        return ""
    kept = "".join(" " if ch.isspace() else ch for ch in text
                   if ch.isspace() or (unicodedata.category(ch) != "Cc" and ch not in _BIDI))
    return " ".join(kept.split())


def inline_diff(diff: list[dict], fallback: str = "") -> str:
    """`[-left out-]` and `{+added+}` inside the rendering's text. Diff segments are runs of words
    (compare.quotes.word_diff), so they are joined with a space, except before closing punctuation."""
    if not diff:
        return clean(fallback)
    out, prev_op, prev_raw = "", None, ""
    for part in diff:
        raw = part.get("text", "")
        text = " ".join(clean(raw).split())
        if not text:
            continue
        op = part.get("op")
        if op == "delete":
            text = f"[-{text}-]"
        elif op == "insert":
            text = f"{{+{text}+}}"
        bare = text.lstrip("[-{+")
        spaced = prev_raw[-1:].isspace() or raw[:1].isspace()
        replacement = prev_op == "delete" and op == "insert"      # '[-2027-]{+2028+}' reads as one change
        if out and (spaced or not (replacement or bare[:1] in ",.;:!?»)“”" or out.endswith(("«", "(", "„")))):
            out += " "
        out += text
        prev_op, prev_raw = op, raw
    return out


class _TextReport:
    def __init__(self, width: int, color: bool, links: dict[str, str] | None = None):
        self.width = max(40, width)
        self.color = color
        self.links = links or {}
        self.clip = max(60, 2 * self.width - 20)   # about two wrapped lines per sentence
        self.lines: list[str] = []

    # -- output primitives --

    def style(self, text: str, name: str) -> str:
        return f"{_STYLES[name]}{text}{_RESET}" if self.color and text else text

    def line(self, text: str = "") -> None:
        self.lines.append(text)

    def wrap(self, text: str, indent: int, hang: int = 2, style: str | None = None, bullet: str = "") -> None:
        first = " " * indent + bullet
        rest = " " * (indent + (len(bullet) if bullet else hang))
        wrapped = textwrap.fill(text, width=self.width, initial_indent=first, subsequent_indent=rest,
                                break_on_hyphens=False) or first.rstrip()
        if self.color:
            wrapped = _DELETE.sub(lambda m: self.style(m.group(0), "delete"), wrapped)
            wrapped = _INSERT.sub(lambda m: self.style(m.group(0), "insert"), wrapped)
            if style:
                wrapped = "\n".join(self.style(part, style) if _RESET not in part else part
                                    for part in wrapped.split("\n"))
        self.lines.extend(wrapped.split("\n"))

    def heading(self, text: str, style: str = "heading") -> None:
        self.line()
        self.line(self.style(text, style))

    # -- document --

    def document(self, doc: dict) -> str:
        stories = doc.get("stories", [])
        self.line(self.style(f"PARALLAX · {clean(doc.get('generator', ''))} · {len(stories)} "
                             f"stor{'y' if len(stories) == 1 else 'ies'}", "heading"))
        errors = doc.get("errors", [])
        if errors:
            self.line(self.style(f"Could not use {len(errors)} input(s):", "conflict"))
            for err in errors:
                where = clean(str(err.get("file", "")))
                if err.get("line") is not None:
                    where += f":{err['line']}"
                self.wrap(f"{where}: {clean(err.get('error', ''))}", 2, 4)
        if not stories:
            self.line()
            self.line("No stories.")
        for story in stories:
            self.story(story)
        return "\n".join(self.lines).rstrip() + "\n"

    def story(self, story: dict) -> None:
        self.index = OutletIndex(story)
        self.big = len(story.get("articles", [])) > BIG_STORY
        self.labels = {a["id"]: clean(self.index.post_label(a["id"])) for a in story.get("articles", [])}
        claims = story.get("claims", [])
        self.line()
        self.line("═" * self.width)
        self.wrap(f"{clean(story.get('title', ''))} · {story.get('date') or 'date unknown'} · {clean(story['id'])}",
                  0, 2, "story")
        self.line("═" * self.width)

        self.key_differences(story)
        self.outlet_list(story)
        counts = {s: sum(1 for c in claims if c["status"] == s) for s in STATUSES}
        summary = " · ".join(f"{counts[s]} {s}" for s in STATUSES)
        self.line()
        self.wrap(f"Claims: {summary} | {len(story.get('quotes', []))} quote group(s) | "
                  f"{len(story.get('entities', []))} entities | {len(story.get('attributions', []))} source(s) cited",
                  2, 4)

        self.consensus(story)
        self.adds(story)
        self.partial(story)
        self.conflicts(story)
        self.quotes(story)
        self.framing(story)
        self.sources(story)

    def key_differences(self, story: dict) -> None:
        points = story.get("key_differences") or []
        self.heading(f"KEY DIFFERENCES ({len(points)})")
        if not points:
            few = len(self.index.outlets) < 2
            self.line("  (one outlet: nothing to compare)" if few else "  (none found)")
        claim_ids = {c["id"] for c in story.get("claims", [])}
        quote_ids = {q["id"] for q in story.get("quotes", [])}
        for n, point in enumerate(points, 1):
            self.wrap(clean(point.get("text")), 2, bullet=f"{n}. ")
            refs = [f"claim {clean(c)}" for c in point.get("claims", []) if c in claim_ids]
            refs += [f"quote {clean(q)}" for q in point.get("quotes", []) if q in quote_ids]
            if refs:
                self.wrap("→ " + ", ".join(refs), len(f"{n}. ") + 2, 2, "muted")

    def outlet_list(self, story: dict) -> None:
        outlets = self.index.outlets
        articles = {a["id"]: a for a in story.get("articles", [])}
        self.heading(f"OUTLETS ({len(outlets)}) · {posts_word(len(articles))}")
        labels = {o["name"]: clean(self.index.outlet_label(o["name"])) for o in outlets}
        pad = min(28, max((len(v) for v in labels.values()), default=0))
        counts = self.index.status_counts()
        for n, outlet in enumerate(outlets, 1):
            posts = [articles[a] for a in outlet["articles"]]
            first = posts[0]
            title = shorten(clean(first.get("title")), max(20, self.width - pad - 24)) if first.get("title") else ""
            encodings = {(a.get("encoding") or "utf-8").lower() for a in posts} - {"utf-8", "utf8"}
            # a legacy code page is worth saying: the user may not know the file was not UTF-8
            enc_note = f" [{clean(', '.join(sorted(encodings)))}]" if encodings else ""
            languages = "/".join(dict.fromkeys(clean(a.get("language", "")) for a in posts))
            self.wrap(f"[{n}] {labels[outlet['name']]:<{pad}}  {first.get('date') or '—':<10}  "
                      f"{languages}{enc_note}  {title}".rstrip(), 2, 6)
            own = counts.get(outlet["name"], {})
            shown = " · ".join(f"{own[s]} {s}" for s in STATUSES if own.get(s))
            self.wrap(f"claims: {shown or 'none'}", 6, 2, "muted")
            origins = [clean(self.links.get(a["id"]) or a.get("url") or "") for a in posts]
            if any(origins):
                self.wrap("from: " + " · ".join(o or "—" for o in origins), 6, 2, "muted")

    # -- sections --

    def outlets(self, claim: dict) -> list[str]:
        return [clean(name) for name in self.index.claim_outlets(claim)]

    def claim(self, claim: dict, where: str | None) -> None:
        self.wrap(shorten(clean(claim["members"][0]["text"]), self.clip), 2, style=claim["status"], bullet="• ")
        again: dict[str, list[str]] = {}      # outlet -> its later posts that state the claim again
        for m in claim["members"]:
            for r in m.get("repeats", []):
                posts = again.setdefault(clean(self.index.of.get(r["article"], r["article"])), [])
                if f"#{self.index.number.get(r['article'], '?')}" not in posts:
                    posts.append(f"#{self.index.number.get(r['article'], '?')}")
        if again:
            shown = "; ".join(f"{outlet} {', '.join(posts)}" for outlet, posts in again.items())
            where = f"{where or ''}; again in: {shown}".lstrip("; ")
        if where:
            self.wrap(where, 4, 2, "muted")
        terms = (claim.get("framing") or {}).get("terms") or {}
        worded = [(a, phrases) for a, phrases in terms.items() if phrases]
        if worded:
            cut = SHOWN["wording"] if self.big else len(worded)
            wording = " | ".join(f"{self.labels.get(a, clean(a))}: " + ", ".join(f"“{clean(p)}”" for p in phrases)
                                 for a, phrases in worded[:cut])
            self.wrap(f"wording: {wording}{' | …' if cut < len(worded) else ''}", 4, 2)

    def shown(self, items: list, key: str) -> list:
        """The first items of a list in a big story (all of them otherwise)."""
        return items[:SHOWN[key]] if self.big and len(items) > SHOWN[key] + 1 else items

    def more(self, items: list, shown: list, what: str, indent: int = 2) -> None:
        if len(items) > len(shown):
            self.wrap(f"… and {len(items) - len(shown)} more {what} (all of them in --json and --html)", indent, 2,
                      "muted")

    def consensus(self, story: dict) -> None:
        claims = [c for c in story.get("claims", []) if c["status"] == "consensus"]
        self.heading(f"CONSENSUS ({len(claims)}) — reported by every outlet", "consensus")
        if not claims:
            self.line("  (none)")
        for claim in claims:
            self.claim(claim, "[" + ", ".join(self.outlets(claim)) + "]")

    def adds(self, story: dict) -> None:
        unique = [c for c in story.get("claims", []) if c["status"] == "unique"]
        self.heading("WHAT EACH OUTLET ADDS", "unique")
        silent = []
        for outlet in self.index.outlets:
            own = [c for c in unique if outlet["name"] in self.index.claim_outlets(c)]
            label = clean(self.index.outlet_label(outlet["name"]))
            if not own:
                silent.append(clean(outlet["name"]))
                continue
            self.line(f"  {label}: {len(own)} fact{'s' if len(own) != 1 else ''} no other outlet reports")
            shown = self.shown(own, "adds")
            for claim in shown:
                article = claim["members"][0]["article"]
                posts = f" (post #{self.index.number[article]})" if len(outlet["articles"]) > 1 else ""
                self.wrap(shorten(clean(claim["members"][0]["text"]), self.clip) + posts, 4, style="unique",
                          bullet="• ")
            self.more(own, shown, "facts", 4)
        if silent and len(silent) == len(self.index.outlets):
            self.line("  (no outlet reports a fact that no other does)")
        elif silent:
            self.wrap(f"nothing of its own: {', '.join(silent)}", 2, 2, "muted")

    def partial(self, story: dict) -> None:
        claims = [c for c in story.get("claims", []) if c["status"] == "partial"]
        self.heading(f"PARTIAL ({len(claims)}) — reported by some outlets", "partial")
        if not claims:
            self.line("  (none)")
        shown = self.shown(claims, "partial")
        for claim in shown:
            present = set(self.index.claim_outlets(claim))
            missing = [clean(n) for n in self.index.names if n not in present]
            where = "in: " + ", ".join(self.outlets(claim)) + ("; not in: " + ", ".join(missing) if missing else "")
            self.claim(claim, where)
        self.more(claims, shown, "partial claims")

    def conflicts(self, story: dict) -> None:
        claims = [c for c in story.get("claims", []) if c["status"] == "conflict" or c.get("conflicts")]
        self.heading(f"CONFLICTS ({len(claims)})", "conflict")
        if not claims:
            self.line("  (none)")
        for claim in claims:
            members = {m["article"]: m for m in reversed(claim["members"])}
            if not claim.get("conflicts"):
                self.wrap(f"claim {clean(claim['id'])}: the outlets disagree", 2, style="conflict", bullet="! ")
                for article, m in members.items():
                    self.wrap(f"{self.labels.get(article, clean(article))}: "
                              f"“{shorten(clean(m['text']), self.clip)}”", 6, 4)
            for conflict in claim.get("conflicts", []):
                self.wrap(f"{clean(conflict['kind'])}: {clean(conflict.get('description', ''))}", 2,
                          style="conflict", bullet="! ")
                pad = max((len(self.labels.get(a, a)) for a in conflict.get("values", {})), default=0)
                for article, value in conflict.get("values", {}).items():
                    label = self.labels.get(article, clean(article))
                    self.wrap(f"{label + ':':<{pad + 1}} {clean(value)}", 6, pad + 2)
                    if article in members:
                        self.wrap(f"“{shorten(clean(members[article]['text']), self.clip)}”", 10, 1, "muted")

    def quotes(self, story: dict) -> None:
        groups = story.get("quotes", [])
        self.heading(f"QUOTES ({len(groups)})", "quote")
        if not groups:
            self.line("  (none)")
        # in a big story, the statements one outlet alone quotes are counted, not shown
        single = [g for g in groups if len({self.index.of.get(r["article"]) for r in g["renderings"]}) < 2] \
            if self.big else []
        for group in (g for g in groups if g not in single):
            n = len(group["renderings"])
            self.wrap(f"{clean(group.get('speaker_name')) or 'unknown speaker'} — {clean(group['relation'])}, "
                      f"{n} rendering{'s' if n != 1 else ''}", 2, style="quote", bullet="» ")
            for r in group["renderings"]:
                details = [clean(r["relation"]), clean(r["kind"])]
                if isinstance(r.get("similarity"), (int, float)) and r["similarity"] < 1:
                    details.append(f"{r['similarity']:.2f}")
                said = f" (as “{clean(r['speaker_text'])}”)" if r.get("speaker_text") else ""
                body = shorten(inline_diff(r.get("diff") or [], r["text"]), self.clip)
                self.wrap(f"{self.labels.get(r['article'], clean(r['article']))} [{', '.join(details)}]{said}: "
                          f"«{body}»", 6, 4)
        if single:
            self.wrap(f"… and {len(single)} statement(s) quoted by one outlet only (all of them in --json and "
                      f"--html)", 2, 2, "muted")

    def framing(self, story: dict) -> None:
        entries = story.get("framing", [])
        self.heading(f"FRAMING ({len(entries)})")
        if not entries:
            self.line("  (none)")
        many = len(self.index.outlets) > 4
        for entry in entries:
            note = f" — {clean(entry['note'])}" if entry.get("note") else ""
            self.wrap(f"{clean(entry['category'])} / {clean(entry['concept'])}{note}", 2, bullet="• ")
            silent = []
            for outlet in self.index.outlets:
                terms = [t for a in outlet["articles"] for t in entry.get("terms", {}).get(a, [])]
                if not terms:
                    silent.append(clean(outlet["name"]))
                    continue
                uses: dict[str, int] = {}
                for t in terms:
                    key = clean(t["term"]) + (f" ({clean(t['label'])})" if t.get("label") else "")
                    uses[key] = uses.get(key, 0) + 1
                shown = ", ".join(k + (f" ×{n}" if n > 1 else "") for k, n in uses.items())
                self.wrap(f"{clean(outlet['name'])}: {shown}", 6, 4)
            # in a big story a line per silent outlet buries the few that do name the concept
            if silent and many:
                self.wrap(f"not named by {len(silent)} other outlet(s)", 6, 4)
            else:
                for label in silent:
                    self.wrap(f"{label}: —", 6, 4)

    def sources(self, story: dict) -> None:
        atts = story.get("attributions", [])
        self.heading(f"SOURCES CITED ({len(atts)})")
        silent = 0
        many = len(self.index.outlets) > 4
        for outlet in self.index.outlets:
            posts = set(outlet["articles"])
            own = [a for a in atts if a["article"] in posts]
            label = clean(outlet["name"])
            if not own:
                silent += 1
                if not many:
                    self.line(f"  {label}: no sources named")
                continue
            self.line(f"  {label} ({len(own)})")
            cited: dict[tuple, list[dict]] = {}
            for a in own:     # one line a source: a channel cites the same agency in post after post
                cited.setdefault((clean(a["source"]), clean(a.get("kind"))), []).append(a)
            for (source, kind), items in cited.items():
                times = f" ×{len(items)}" if len(items) > 1 else ""
                numbers = list(dict.fromkeys(f"#{self.index.number[a['article']]}" for a in items))
                post = f" [{', '.join(numbers)}]" if len(posts) > 1 else ""
                self.wrap(f"{source}{f' ({kind})' if kind else ''}{times} — “{shorten(clean(items[0]['text']), self.clip)}”"
                          f"{post}", 4, bullet="• ")
        if many and silent:
            self.line(f"  no sources named by {silent} other outlet(s)")
