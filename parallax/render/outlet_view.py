"""A story as its outlets, for the renderers: which outlet each post belongs to, how a post is named, and
what each outlet's account holds.

A version-1.1 document lists a story's `outlets` with their posts in time order; a version-1 document
does not, and then the articles are grouped by their `outlet` field in story order. Labels are plain
text (the caller escapes or cleans them).
"""
from __future__ import annotations

STATUSES = ("consensus", "partial", "unique", "conflict")


def story_outlets(story: dict) -> list[dict]:
    """[{name, kind, articles}] with every article of the story in exactly one outlet."""
    ids = [a["id"] for a in story.get("articles", [])]
    known = set(ids)
    out: list[dict] = []
    by_name: dict[str, dict] = {}
    for o in story.get("outlets") or []:
        entry = by_name.get(o["name"])
        if entry is None:
            entry = by_name[o["name"]] = {"name": o["name"], "kind": o.get("kind"), "articles": []}
            out.append(entry)
        entry["articles"].extend(a for a in o.get("articles", []) if a in known)
    placed = {a for o in out for a in o["articles"]}
    for art in story.get("articles", []):
        if art["id"] in placed:
            continue
        name = art.get("outlet") or art["id"]
        entry = by_name.get(name)
        if entry is None:
            entry = by_name[name] = {"name": name, "kind": None, "articles": []}
            out.append(entry)
        entry["articles"].append(art["id"])
        placed.add(art["id"])
    return [o for o in out if o["articles"]]


def posts_word(n: int) -> str:
    return f"{n} post{'s' if n != 1 else ''}"


class OutletIndex:
    """Lookups over `story_outlets(story)`."""

    def __init__(self, story: dict):
        self.story = story
        self.outlets = story_outlets(story)
        self.names = [o["name"] for o in self.outlets]
        self.of: dict[str, str] = {}
        self.number: dict[str, int] = {}          # article id -> 1-based position among its outlet's posts
        self.size: dict[str, int] = {}
        for o in self.outlets:
            self.size[o["name"]] = len(o["articles"])
            for n, article in enumerate(o["articles"], 1):
                self.of[article], self.number[article] = o["name"], n

    def outlet_label(self, name: str) -> str:
        """'РИА Новости', or 'РИА Новости (3 posts)' for an outlet with several posts."""
        n = self.size.get(name, 1)
        return name if n == 1 else f"{name} ({posts_word(n)})"

    def post_label(self, article: str) -> str:
        """The outlet of a post, with '#k' (its place in the outlet's time order) when the outlet has more."""
        name = self.of.get(article, article)
        return name if self.size.get(name, 1) == 1 else f"{name} #{self.number[article]}"

    def member_outlet(self, member: dict) -> str:
        return member.get("outlet") or self.of.get(member["article"], member["article"])

    def claim_outlets(self, claim: dict) -> list[str]:
        """The outlets that report a claim, in the story's outlet order."""
        present = {self.member_outlet(m) for m in claim.get("members", [])}
        return [n for n in self.names if n in present] + sorted(present - set(self.names))

    def status_counts(self) -> dict[str, dict[str, int]]:
        """Outlet -> claim status -> how many claims of that status the outlet reports."""
        counts = {n: dict.fromkeys(STATUSES, 0) for n in self.names}
        for claim in self.story.get("claims", []):
            for name in self.claim_outlets(claim):
                row = counts.setdefault(name, dict.fromkeys(STATUSES, 0))
                if claim.get("status") in row:
                    row[claim["status"]] += 1
        return counts
