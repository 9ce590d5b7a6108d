"""A terminal summary of a parallax-v1 document.

Article text is untrusted: control characters (including ESC, so no escape sequences of the article's
own) and bidi overrides are dropped before anything is printed.
"""
from __future__ import annotations

import re
import textwrap
import unicodedata

from parallax.render.jsonout import article_labels, shorten

STATUSES = ("consensus", "partial", "unique", "conflict")

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


def render_text(doc: dict, width: int = 100, color: bool = False) -> str:
    return _TextReport(width, color).document(doc)


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
    def __init__(self, width: int, color: bool):
        self.width = max(40, width)
        self.color = color
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
        self.labels = {k: clean(v) for k, v in article_labels(story).items()}
        articles = story.get("articles", [])
        claims = story.get("claims", [])
        self.line()
        self.line("═" * self.width)
        self.wrap(f"{clean(story.get('title', ''))} · {story.get('date') or 'date unknown'} · {clean(story['id'])}",
                  0, 2, "story")
        self.line("═" * self.width)

        self.heading(f"ARTICLES ({len(articles)})")
        pad = min(24, max((len(self.labels[a["id"]]) for a in articles), default=0))
        for n, art in enumerate(articles, 1):
            title = shorten(clean(art.get("title")), max(20, self.width - pad - 30)) if art.get("title") else ""
            enc = art.get("encoding") or "utf-8"
            # a legacy code page is worth saying: the user may not know the file was not UTF-8
            enc_note = f" [{clean(enc)}]" if enc.lower() not in ("utf-8", "utf8") else ""
            self.wrap(f"[{n}] {self.labels[art['id']]:<{pad}}  {art.get('date') or '—':<10}  "
                      f"{clean(art.get('language', ''))}{enc_note}  {title}".rstrip(), 2, 6)
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

    # -- sections --

    def outlets(self, claim: dict) -> list[str]:
        return list(dict.fromkeys(self.labels.get(m["article"], clean(m["article"])) for m in claim["members"]))

    def claim(self, claim: dict, where: str | None) -> None:
        self.wrap(shorten(clean(claim["members"][0]["text"]), self.clip), 2, style=claim["status"], bullet="• ")
        if where:
            self.wrap(where, 4, 2, "muted")
        terms = (claim.get("framing") or {}).get("terms") or {}
        if terms:
            wording = " | ".join(f"{self.labels.get(a, clean(a))}: " + ", ".join(f"“{clean(p)}”" for p in phrases)
                                 for a, phrases in terms.items())
            self.wrap(f"wording: {wording}", 4, 2)

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
        for art in story.get("articles", []):
            own = [c for c in unique if any(m["article"] == art["id"] for m in c["members"])]
            label = self.labels[art["id"]]
            if not own:
                self.line(f"  {label}: nothing unique")
                continue
            self.line(f"  {label} ({len(own)})")
            for claim in own:
                self.wrap(shorten(clean(claim["members"][0]["text"]), self.clip), 4, style="unique", bullet="• ")

    def partial(self, story: dict) -> None:
        claims = [c for c in story.get("claims", []) if c["status"] == "partial"]
        self.heading(f"PARTIAL ({len(claims)}) — reported by some outlets", "partial")
        if not claims:
            self.line("  (none)")
        ids = [a["id"] for a in story.get("articles", [])]
        for claim in claims:
            present = {m["article"] for m in claim["members"]}
            missing = [self.labels[i] for i in ids if i not in present]
            where = "in: " + ", ".join(self.outlets(claim)) + ("; not in: " + ", ".join(missing) if missing else "")
            self.claim(claim, where)

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
        for group in groups:
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

    def framing(self, story: dict) -> None:
        entries = story.get("framing", [])
        self.heading(f"FRAMING ({len(entries)})")
        if not entries:
            self.line("  (none)")
        for entry in entries:
            note = f" — {clean(entry['note'])}" if entry.get("note") else ""
            self.wrap(f"{clean(entry['category'])} / {clean(entry['concept'])}{note}", 2, bullet="• ")
            silent = []
            for art in story.get("articles", []):
                terms = entry.get("terms", {}).get(art["id"], [])
                if not terms:
                    silent.append(self.labels[art["id"]])
                    continue
                shown = ", ".join(clean(t["term"]) + (f" ({clean(t['label'])})" if t.get("label") else "")
                                  for t in terms)
                self.wrap(f"{self.labels[art['id']]}: {shown}", 6, 4)
            # in a big story a line per silent article buries the few that do name the concept
            if silent and len(story.get("articles", [])) > 4:
                self.wrap(f"not named by {len(silent)} other article(s)", 6, 4)
            else:
                for label in silent:
                    self.wrap(f"{label}: —", 6, 4)

    def sources(self, story: dict) -> None:
        atts = story.get("attributions", [])
        self.heading(f"SOURCES CITED ({len(atts)})")
        silent = 0
        many = len(story.get("articles", [])) > 4
        for art in story.get("articles", []):
            own = [a for a in atts if a["article"] == art["id"]]
            label = self.labels[art["id"]]
            if not own:
                silent += 1
                if not many:
                    self.line(f"  {label}: no sources named")
                continue
            self.line(f"  {label} ({len(own)})")
            for a in own:
                kind = f" ({clean(a['kind'])})" if a.get("kind") else ""
                self.wrap(f"{clean(a['source'])}{kind} — “{shorten(clean(a['text']), self.clip)}”", 4, bullet="• ")
        if many and silent:
            self.line(f"  no sources named in {silent} other article(s)")
