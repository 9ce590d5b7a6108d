"""Story-level entity linking: every mention in every article of a story gets an entity id.

- inflected forms to one canonical name, including foreign names pymorphy does not know
  ('Ким Чен Ыну', 'Ким Чен Ына' -> 'Ким Чен Ын'), reconciled from the forms the story itself uses;
- surname-only and first-name-only mentions to the one full name they fit;
- merged NER spans split when each half is a different person of the story ('Ким Путину');
- roles ('российский лидер') to the person some article of the story titles with that role;
- aliases and metonyms to the canonical entity (from the alias table applied per article).
"""
from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from typing import Iterable

from parallax.model import AnalyzedArticle, Entity, EntityMentionRef, Mention
from parallax.nlp import morph
from parallax.nlp.entities import NAME_GRAMMEMES, normalize_person
from parallax.nlp.spans import SpanIndex
from parallax.text import fold

# Russian noun case endings, longest first, for reconciling forms of names pymorphy does not know.
_CASE_ENDINGS = ("ами", "ями", "ом", "ем", "ой", "ей", "ым", "им", "ою", "ею", "а", "я", "у", "ю", "е", "ы", "и")


def _is_known_name(word: str) -> bool:
    return any(morph.is_dictionary_parse(p) and NAME_GRAMMEMES & set(p.tag.grammemes)
               for p in morph.parses(word.lower()))


def _stem(word: str) -> str:
    low = word.lower()
    if low.endswith("ь") and len(low) >= 3:
        return word[:-1]          # soft-stem nominative: 'Ель' (forms 'Еля', 'Еле', 'Елем')
    for end in _CASE_ENDINGS:
        if low.endswith(end) and len(low) - len(end) >= 2:
            return word[: len(word) - len(end)]
    return word


def foreign_name_forms(words: list[str], subject_forms: set[str] = frozenset()) -> dict[str, str]:
    """Map each unknown name word to its nominative, judged from all the forms the story uses.
    A form seen as the subject of a verb ('Исиба прибыл') is the nominative; so is a bare stem
    ('Ын' beside 'Ына'); forms in -ы/-и point to an -а nominative ('Камалы' -> 'Камала'); otherwise
    the consonant stem (masculine) is the safest guess."""
    groups: dict[str, set[str]] = defaultdict(set)
    for w in words:
        if re.search(r"[А-Яа-яЁё]", w) and not _is_known_name(w):
            groups[_stem(w).lower()].add(w)
    out: dict[str, str] = {}
    for stem_low, forms in groups.items():
        # the bare stem ('Ын' beside 'Ына'), or with its soft sign ('Ель' beside 'Еле', 'Еля')
        bare = [f for f in forms if f.lower() in (stem_low, stem_low + "ь")]
        subjects = sorted((f for f in forms if f in subject_forms), key=lambda f: (f not in bare, f))
        if subjects:
            nominative = subjects[0]
        elif bare:
            nominative = bare[0]
        elif any(f.lower().endswith(("ы", "и")) for f in forms) and any(f.lower().endswith(("а", "я")) for f in forms):
            base = next(f for f in forms if f.lower().endswith(("а", "я")))
            nominative = base
        elif all(f.lower().endswith(("я", "ю", "ем", "е")) for f in forms) and len(forms) > 1:
            # soft-stem declension: 'Бесселя', 'Бесселю' -> 'Бессель'
            nominative = _stem(sorted(forms)[0]) + "ь"
        elif len(forms) == 1:
            # a single form tells nothing: keep it as written
            nominative = next(iter(forms))
        else:
            nominative = _stem(sorted(forms)[0])
        for f in forms:
            out[f] = nominative
    return out


def _words(name: str) -> list[str]:
    """The words of a name, ё written as е: names are keyed by their folded form ('Ёль' = 'Ель')."""
    return re.findall(r"[\w'’]+(?:-[\w'’]+)*", fold(name, keep_case=True))


def surname_index(names: Iterable[str]) -> dict[str, str]:
    """Surname (ё folded, lower case) -> the one full name among `names` that ends with it ('песков' ->
    'Дмитрий Песков'); a surname two full names share is left out. For name lookups outside a linked
    story, such as search over stored analyses: `names` are the person names (normal forms) of a story."""
    found: dict[str, set[str]] = defaultdict(set)
    for name in names:
        words = _words(name)
        if len(words) >= 2:
            found[words[-1].lower()].add(" ".join(words))
    return {surname: next(iter(full)) for surname, full in found.items() if len(full) == 1}


def full_name(name: str, index: dict[str, str]) -> str:
    """'Песков' -> 'Дмитрий Песков' when `index` (surname_index) knows the surname; any other name as is."""
    words = _words(name)
    return index.get(words[0].lower(), name) if len(words) == 1 else name


class _Linker:
    def __init__(self, docs: list[AnalyzedArticle]):
        self.docs = docs
        self.refs: list[tuple[AnalyzedArticle, Mention]] = [(d, m) for d in docs for m in d.mentions]

    # -- persons --------------------------------------------------------------------------------------
    def person_words(self, m: Mention) -> list[str]:
        return [self.foreign.get(w, w) for w in _words(m.normal)]

    def split_merged(self) -> None:
        """'Ким Путину' where the story knows 'Ким' (Ким Чен Ын) and 'Путин' (Владимир Путин)."""
        full_keys = Counter()
        for _, m in self.refs:
            if m.type == "PER" and m.kind == "name" and len(_words(m.normal)) >= 2:
                full_keys[tuple(w.lower() for w in self.person_words(m))] += 1
        for doc in self.docs:
            new: list[Mention] = []
            for m in doc.mentions:
                words = self.person_words(m) if m.type == "PER" and m.kind == "name" else []
                key = tuple(w.lower() for w in words)
                if len(words) >= 2 and full_keys[key] == 1:
                    parts = self._split_point(m, key, full_keys)
                    if parts:
                        new.extend(parts)
                        continue
                new.append(m)
            doc.mentions = new
        self.refs = [(d, m) for d in self.docs for m in d.mentions]

    def _split_point(self, m: Mention, key, full_keys):
        others = [k for k in full_keys if k != key]
        raw_words = [(mm.start(), mm.end()) for mm in re.finditer(r"[\w'’]+(?:-[\w'’]+)*", m.text)]
        if len(raw_words) != len(key):
            return None
        # each word on its own: the merged span's words are in different cases ('Ким Путину')
        key = tuple(fold(self.foreign.get(w, normalize_person(w))) for w in _words(m.text))
        if len(raw_words) != len(key):
            return None
        for k in range(1, len(key)):
            left, right = key[:k], key[k:]
            lo = [o for o in others if set(left) <= set(o)]
            ro = [o for o in others if set(right) <= set(o)]
            if lo and ro and not (set(lo) & set(ro)):
                a_end, b_start = raw_words[k - 1][1], raw_words[k][0]
                a = Mention(start=m.start, end=m.start + a_end, text=m.text[:a_end], type="PER",
                            normal=normalize_person(m.text[:a_end]), sentence=m.sentence)
                b = Mention(start=m.start + b_start, end=m.end, text=m.text[b_start:], type="PER",
                            normal=normalize_person(m.text[b_start:]), sentence=m.sentence)
                return [a, b]
        return None

    def _subject_forms(self) -> set[str]:
        """Last words of person mentions directly followed by a verb and not after a preposition:
        'Исиба прибыл' (but not 'вопрос о Юн Сок Ёле обсудят')."""
        out = set()
        for d in self.docs:
            next_token = {t.start: t for t in d.tokens}
            starts = sorted(next_token)
            for m in d.mentions:
                if m.type != "PER" or m.kind != "name":
                    continue
                k = bisect.bisect_left(starts, m.end)
                before = bisect.bisect_left(starts, m.start) - 1
                if before >= 0 and next_token[starts[before]].pos == "PREP":
                    continue
                if k < len(starts) and next_token[starts[k]].pos == "VERB":
                    out.add(_words(m.normal)[-1])
        return out

    def add_missed_surnames(self) -> None:
        """NER misses some repeats of a name it found elsewhere in the story ('Исиба поблагодарил'):
        a capitalized word that is a known person's surname form becomes a mention."""
        surnames: dict[str, str] = {}
        for _, m in self.refs:
            if m.type == "PER" and m.kind == "name":
                words = self.person_words(m)
                if len(words) >= 2:
                    surnames[words[-1].lower()] = words[-1]
        if not surnames:
            return
        foreign_stems = {_stem(s).lower() for s in surnames.values() if not _is_known_name(s)}
        for d in self.docs:
            added = []
            # a bisection per token, not a scan of every mention (quadratic in a long text)
            taken = SpanIndex((m.start, m.end) for m in d.mentions)
            for t in d.tokens:
                if not t.text[:1].isupper() or taken.overlaps(t.start, t.end):
                    continue
                word = fold(t.text, keep_case=True)
                form = self.foreign.get(word) or normalize_person(word)
                if form.lower() in surnames or _stem(word).lower() in foreign_stems:
                    added.append(Mention(start=t.start, end=t.end, text=t.text, type="PER",
                                         normal=surnames.get(form.lower(), form), sentence=t.sentence))
            if added:
                d.mentions = sorted(d.mentions + added, key=lambda m: (m.start, m.end))
        self.refs = [(d, m) for d in self.docs for m in d.mentions]

    def extend_to_full_names(self) -> None:
        """NER sometimes keeps only the last word of a name whose first words are common words too
        ('Юн Сок Ель отменил': 'юн' is 'young', 'сок' is 'juice'). A mention written right after the
        other words of a full name of the story, capitalized, grows to that full name."""
        fulls = {tuple(w.lower() for w in self.person_words(m)) for _, m in self.refs
                 if m.type == "PER" and m.kind == "name" and len(_words(m.normal)) >= 2}
        # the full names ending in each run of words, longest first (one sort, not one per mention: a
        # long text has thousands of mentions and of full names); only those can grow a mention
        by_tail: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
        for full in sorted(fulls, key=len, reverse=True):
            for n in range(1, len(full) + 1):
                by_tail[full[n:]].append(full)
        for d in self.docs:
            starts = [t.start for t in d.tokens]
            for m in d.mentions:
                if m.type != "PER" or m.kind != "name":
                    continue
                words = tuple(w.lower() for w in self.person_words(m))
                k = bisect.bisect_left(starts, m.start)
                for full in by_tail.get(words, ()):
                    n = len(full) - len(words)
                    prev = d.tokens[k - n:k] if 0 < n <= k else []
                    if full[n:] != words or not prev or any(
                            not t.text[:1].isupper() or fold(t.text) != w or t.sentence != m.sentence
                            for t, w in zip(prev, full)):
                        continue
                    if d.text[prev[0].start:m.start].split() != [t.text for t in prev] or any(
                            x is not m and x.start < m.start and prev[0].start < x.end for x in d.mentions):
                        continue
                    m.start, m.text = prev[0].start, d.text[prev[0].start:m.end]
                    m.normal = fold(normalize_person(m.text), keep_case=True)
                    break

    def link(self) -> list[Entity]:
        self._learn_foreign_forms()
        self.add_missed_surnames()
        self.extend_to_full_names()
        self._learn_foreign_forms()
        self.split_merged()
        groups: dict[str, list[tuple[AnalyzedArticle, Mention]]] = defaultdict(list)
        names: dict[str, Counter] = defaultdict(Counter)
        types: dict[str, str] = {}
        self._group_persons(groups, names, types)
        self._group_roles(groups, names, types)
        self._group_places(groups, names, types)
        return self._entities(groups, names, types)

    def _learn_foreign_forms(self) -> None:
        all_person_words = [w for _, m in self.refs if m.type == "PER" and m.kind == "name" for w in _words(m.normal)]
        self.foreign = foreign_name_forms(all_person_words, self._subject_forms())

    def _group_persons(self, groups, names, types) -> None:
        """Full names first, so that short mentions can join them."""
        persons = [(d, m) for d, m in self.refs if m.type == "PER" and m.kind == "name"]
        full: dict[tuple, str] = {}
        for d, m in sorted(persons, key=lambda dm: -len(_words(dm[1].normal))):
            words = self.person_words(m)
            key = tuple(w.lower() for w in words)
            if len(key) < 2:
                continue
            target = next((gid for fk, gid in full.items() if set(key) <= set(fk)), None)
            if target is None:
                target = "P:" + " ".join(key)
                full[key] = target
            groups[target].append((d, m))
            names[target][" ".join(words)] += 1
            types[target] = "PER"
        for d, m in persons:
            words = self.person_words(m)
            key = tuple(w.lower() for w in words)
            if len(key) >= 2:
                continue
            cands = sorted({gid for fk, gid in full.items() if key[0] in fk})
            if len(cands) > 1:   # prefer the person whose surname (last word) this is
                surname = [gid for fk, gid in full.items() if fk[-1] == key[0]]
                cands = sorted(set(surname)) if len(set(surname)) == 1 else cands
            target = cands[0] if len(cands) == 1 else "P:" + key[0]
            groups[target].append((d, m))
            names[target][" ".join(words)] += 0 if target in full.values() else 1
            types[target] = "PER"

    def _group_roles(self, groups, names, types) -> None:
        """Roles: learned from appositions ('президент России Владимир Путин'), resolved if unambiguous."""
        role_people: dict[str, set[str]] = defaultdict(set)
        for gid, members in groups.items():
            for _, m in members:
                if m.role:
                    role_people[m.role].add(gid)
        for d, m in self.refs:
            if m.kind != "role":
                continue
            people = role_people.get(m.role or "", set())
            target = next(iter(people)) if len(people) == 1 else "R:" + (m.role or m.normal)
            groups[target].append((d, m))
            if target.startswith("R:"):
                names[target][m.normal] += 1
            types[target] = "PER"

    def _group_places(self, groups, names, types) -> None:
        """Places and organisations: by canonical name or nominative form."""
        for d, m in self.refs:
            if m.type == "PER":
                continue
            name = m.canonical or m.normal
            # 'TruthSocial' and 'Truth Social', 'Нью Йорк' and 'Нью-Йорк' are one name
            target = f"{m.type}:" + re.sub(r"[\s\-‐–]+", "", fold(name))
            groups[target].append((d, m))
            names[target][name] += 3 if m.canonical else 1
            types[target] = m.type

    def _entities(self, groups, names, types) -> list[Entity]:
        """One entity per group, numbered in order of first mention; sets `Mention.entity`."""
        order = {id(d): i for i, d in enumerate(self.docs)}
        ordered = sorted(groups.items(), key=lambda kv: min((order[id(d)], m.start) for d, m in kv[1]))
        entities: list[Entity] = []
        for n, (gid, members) in enumerate(ordered, 1):
            eid = f"e{n}"
            name = self._best_name(names[gid], members)
            ent = Entity(id=eid, name=name, type=types[gid])
            seen_alias = set()
            for d, m in sorted(members, key=lambda dm: (order[id(dm[0])], dm[1].start)):
                m.entity = eid
                ent.mentions.append(EntityMentionRef(article=d.id, text=m.text, start=m.start, end=m.end,
                                                     kind=m.kind))
                form = " ".join(self.person_words(m)) if m.type == "PER" else m.normal
                if form != name and form.lower() not in seen_alias and m.kind != "role":
                    seen_alias.add(form.lower())
                    ent.aliases.append(form)
            entities.append(ent)
        return entities

    @staticmethod
    def _best_name(counter: Counter, members) -> str:
        if not counter:
            return members[0][1].normal
        # most words first (the full name), then most frequent, then alphabetical for determinism
        return sorted(counter.items(), key=lambda kv: (-len(_words(kv[0])), -kv[1], kv[0]))[0][0]

    def _link_quotes_and_sources(self) -> None:
        for d in self.docs:
            for q in d.quotes:
                if q.speaker_mention is not None and 0 <= q.speaker_mention < len(d.mentions):
                    q.speaker_entity = d.mentions[q.speaker_mention].entity
                elif q.speaker_start is not None:
                    hit = _phrase_mention(d, q.speaker_start, q.speaker_end or q.speaker_start + 1)
                    q.speaker_entity = hit.entity if hit else None
            for a in d.attributions:
                if a.source_start is None:
                    continue
                hit = _phrase_mention(d, a.source_start, a.source_end or a.source_start)
                a.entity = hit.entity if hit else None


def _phrase_mention(d: AnalyzedArticle, start: int, end: int) -> Mention | None:
    """The mention a speaker or source phrase names: the one at its start ('Рёнхап', 'российский лидер'),
    else a person in it ('журналист Иван Петров'), else a name in apposition ('агентство Yonhap'). A
    place or organisation depending on a person noun is never the speaker: 'Спикер парламента Южной
    Кореи' is a person, not South Korea."""
    inside = [m for m in d.mentions if m.start < end and start < m.end]
    if not inside:
        return None
    at_start = next((m for m in inside if m.start <= start), None)
    if at_start is not None:
        return at_start
    persons = [m for m in inside if m.type == "PER"]
    if persons:
        return persons[0]
    return None if _person_head(d, start, end) else inside[0]


def _person_head(d: AnalyzedArticle, start: int, end: int) -> bool:
    """Whether the first noun of the phrase names a person ('спикер', 'депутат', 'министр')."""
    for t in d.tokens:
        if t.start >= start and t.end <= end and t.pos == "NOUN":
            return any(p.tag.POS == "NOUN" and "anim" in p.tag for p in morph.parses(fold(t.text))[:1])
    return False


def link_entities(docs: list[AnalyzedArticle]) -> list[Entity]:
    """Assign `Mention.entity` (and quote speakers, attribution sources) across all `docs`.
    Linking may split or add mentions, so quotes' `speaker_mention` indexes are re-pointed at the
    same mention (or the part of a split one under the speaker's words) afterwards."""
    speakers = []
    for d in docs:
        for q in d.quotes:
            if q.speaker_mention is not None and 0 <= q.speaker_mention < len(d.mentions):
                speakers.append((d, q, d.mentions[q.speaker_mention]))
    linker = _Linker(docs)
    entities = linker.link()
    for d, q, m in speakers:
        if any(x is m for x in d.mentions):
            q.speaker_mention = next(i for i, x in enumerate(d.mentions) if x is m)
        else:
            parts = [i for i, x in enumerate(d.mentions) if x.start < m.end and m.start < x.end]
            lo, hi = q.speaker_start, q.speaker_end
            inside = [i for i in parts if lo is not None and hi is not None
                      and d.mentions[i].start < hi and lo < d.mentions[i].end]
            q.speaker_mention = (inside or parts or [None])[0]
    linker._link_quotes_and_sources()
    return entities
