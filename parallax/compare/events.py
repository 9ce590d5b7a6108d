"""The event a claim states: its predicates, each with its stage and polarity.

An outlet that tells a developing story in wire-style posts repeats nearly every word from one post to the
next («Президент Южной Кореи объявил военное положение», «…заявил, что отзовёт военное положение»,
«Парламент проголосовал за отмену военного положения»): word overlap and sentence embeddings call these one
fact. What differs is the predicate (объявить ≠ отозвать), its stage (a plan or a call is another step than
the act) and its polarity (вытащили ≠ вытащить не удалось). A claim's predicates are the verbs of its main
clause (short participles included; relative clauses, speech verbs and auxiliaries left out, an infinitive
taking the stage and negation of the verb that governs it), or, in a claim with no such verb, the event
nouns of compare/data/events.yaml («Отмена военного положения»). Synonyms and opposite steps are data
(events.yaml); any other verb is its own event, known by its first five letters (отменить ~ отменять).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from parallax.model import Token
from parallax.nlp.morph import parses
from parallax.nlp.spans import quoted_tokens
from parallax.resources import ResourceError, load_yaml_mapping
from parallax.text import fold

DATA = "compare/data/events.yaml"
_CLAUSE_ENDS = {",", "—", "–", ";", ":", "(", ")"}
_VERBS = {"VERB", "INFN", "PRTS"}
# tokens between a governing verb and its infinitive ('собирается в ближайшее время отменить')
_GOVERN_WINDOW = 4
DONE, PLAN, CALL = "done", "plan", "call"
# tokens before an event noun searched for a circumstance word ('на фоне ситуации с введением')
_BACKGROUND_WINDOW = 4


@dataclass(frozen=True)
class Predicate:
    event: str          # an event class of events.yaml, or the verb's five-letter stem
    stage: str          # done | plan | call
    negated: bool = False


@dataclass(frozen=True)
class Events:
    """What a claim states happened: predicates from its verbs (`verbal`), else from its event nouns, else
    from an infinitive no verb governs or its speech verbs."""
    predicates: frozenset[Predicate] = frozenset()
    verbal: bool = False
    actor: str | None = None               # the common noun that acts ('парламент', 'правительство')
    lemmas: frozenset[str] = frozenset()
    # derived once (every kept pair of a story is tested): the event classes, and (event, negated) pairs
    kinds: frozenset[str] = field(init=False, repr=False, compare=False)
    polar: frozenset[tuple[str, bool]] = field(init=False, repr=False, compare=False)
    happened: frozenset[str] = field(init=False, repr=False, compare=False)   # see `event_keys`

    def __post_init__(self):
        object.__setattr__(self, "kinds", frozenset(p.event for p in self.predicates))
        object.__setattr__(self, "polar", frozenset((p.event, p.negated) for p in self.predicates))
        object.__setattr__(self, "happened", frozenset(p.event for p in self.predicates
                                                       if p.event != "say" and p.stage == DONE))


@dataclass(frozen=True)
class EventTables:
    event_of: dict[str, str]              # lemma -> event class
    nouns: frozenset[str]                 # event nouns (lemmas of events.yaml that are no verbs)
    opposites: frozenset[frozenset[str]]
    opposed: frozenset[str]               # the classes named in `opposites`
    steps: frozenset[str]                 # every class of `synonyms`: the known steps of a story
    speech: frozenset[str]
    stage_of: dict[str, str]              # governing lemma -> plan | call
    auxiliaries: frozenset[str]
    negations: frozenset[str]
    negating: frozenset[str]
    about: frozenset[str]
    figure_verbs: frozenset[str]
    relative_openers: frozenset[str]
    background: frozenset[str] = frozenset()   # words before an event noun that make it a circumstance
    light: frozenset[str] = frozenset()        # event keys of verbs that name no event of their own ('произошло')


@functools.lru_cache(maxsize=1)
def event_tables() -> EventTables:
    data = load_yaml_mapping(DATA)
    for key in ("synonyms", "opposites", "speech", "stages", "auxiliaries", "negations", "negating",
                "about", "figure_verbs", "relative_openers"):
        if key not in data:
            raise ResourceError(f"{DATA}: missing section '{key}'")
    event_of: dict[str, str] = {}
    for name, lemmas in data["synonyms"].items():
        for lemma in lemmas:
            lemma = fold(str(lemma))
            if event_of.setdefault(lemma, name) != name:
                raise ResourceError(f"{DATA}: '{lemma}' is in two event classes ({event_of[lemma]}, {name})")
    opposites = []
    for pair in data["opposites"]:
        if len(pair) != 2 or any(p not in data["synonyms"] for p in pair):
            raise ResourceError(f"{DATA}: opposites entry {pair!r} must name two event classes of 'synonyms'")
        opposites.append(frozenset(pair))
    for stage in data["stages"]:
        if stage not in (PLAN, CALL):
            raise ResourceError(f"{DATA}: unknown stage '{stage}' (the stages are {PLAN}, {CALL})")
    return EventTables(
        event_of=event_of,
        nouns=frozenset(lemma for lemma in event_of if _is_noun(lemma)),
        opposites=frozenset(opposites),
        opposed=frozenset(c for pair in opposites for c in pair),
        steps=frozenset(data["synonyms"]),
        speech=frozenset(fold(w) for w in data["speech"]),
        stage_of={fold(w): stage for stage, words in data["stages"].items() for w in words},
        auxiliaries=frozenset(fold(w) for w in data["auxiliaries"]),
        negations=frozenset(fold(w) for w in data["negations"]),
        negating=frozenset(fold(w) for w in data["negating"]),
        about=frozenset(fold(w) for w in data["about"]),
        figure_verbs=frozenset(fold(w) for w in data["figure_verbs"]),
        relative_openers=frozenset(fold(w) for w in data["relative_openers"]),
        background=frozenset(fold(w) for w in data.get("background", [])),
        # a speech verb alone («say») names no event either: what was said is the fact
        light=frozenset([*(event_of.get(fold(str(w))) or fold(str(w))[:5] for w in data.get("light", [])), "say"]))


def _is_noun(lemma: str) -> bool:
    return any(str(p.tag.POS) == "NOUN" and fold(p.normal_form) == lemma for p in parses(lemma))


def event_key(lemma: str, tables: EventTables) -> str:
    return tables.event_of.get(lemma) or lemma[:5]


def _verb_lemma(token: Token, tables: EventTables) -> str | None:
    """The verb a token is a form of: verbs, infinitives and short participles, and a short participle that
    pymorphy3 reads first as a short adjective ('снято' -> снятой); the governing short adjectives of the
    tables ('намерен', 'должен') as themselves."""
    if token.pos in _VERBS:
        return token.lemma
    if token.pos == "ADJS":
        if token.lemma in tables.stage_of or token.lemma in tables.auxiliaries:
            return token.lemma
        return _short_participle(token.text.lower())
    return None


@functools.lru_cache(maxsize=50_000)
def _short_participle(word: str) -> str | None:
    for p in parses(fold(word)):
        if str(p.tag.POS) == "PRTS":
            return fold(p.normal_form)
    return None


def _future(token: Token) -> bool:
    return token.pos == "VERB" and _future_form(token.text.lower())


@functools.lru_cache(maxsize=50_000)
def _future_form(word: str) -> bool:
    readings = parses(fold(word))
    return bool(readings) and "futr" in readings[0].tag


def _main_clause(tokens: list[Token], tables: EventTables) -> list[Token]:
    """The tokens outside relative clauses ('…, который упал в Якутии,')."""
    out, inside = [], False
    for t in tokens:
        if t.lemma in tables.relative_openers:
            inside = True
        elif inside and t.text in _CLAUSE_ENDS:
            inside = False
        if not inside:
            out.append(t)
    return out


def claim_events(tokens: list[Token]) -> Events:
    """The predicates of a claim's tokens (its core tokens: attribution phrases left out)."""
    tables = event_tables()
    words = _main_clause(tokens, tables)
    verbs: list[Predicate] = []
    speech: list[Predicate] = []
    loose: list[Predicate] = []            # infinitives no verb governs ('Решение … помиловать сына')
    governor: tuple[int, str, bool] | None = None    # (position, stage, negated) of the last governing verb
    denied = False
    announced: list[Predicate] = []        # what «объявил о …» names, when no verb of its own is left
    for k, t in enumerate(words):
        lemma = _verb_lemma(t, tables)
        if lemma is None:
            continue
        if lemma in tables.negating:       # 'отрицал, что собирается помиловать': what follows is denied
            denied = True
            continue
        negated = (k > 0 and words[k - 1].lemma in tables.negations) != denied
        if lemma in tables.stage_of or lemma in tables.auxiliaries:
            stage = tables.stage_of.get(lemma) or (PLAN if _future(t) else DONE)
            governor = (k, stage, negated)
            continue
        if t.pos == "INFN" and governor is None and k + 1 < len(words):
            # 'вытащить не удалось': the governing verb after its infinitive
            after = [(j, w) for j, w in enumerate(words[k + 1:k + 3], k + 1) if _verb_lemma(w, tables)]
            if after and _verb_lemma(after[0][1], tables) in tables.auxiliaries:
                j = after[0][0]
                negated = negated or words[j - 1].lemma in tables.negations
                verbs.append(Predicate(event_key(lemma, tables), DONE, negated))
                continue
        if t.pos == "INFN":
            if governor is not None and k - governor[0] <= _GOVERN_WINDOW:
                verbs.append(Predicate(event_key(lemma, tables), governor[1], negated or governor[2]))
            else:
                loose.append(Predicate(event_key(lemma, tables), CALL, negated))
            continue
        if lemma in tables.figure_verbs:   # 'число погибших выросло до 18': a figure updated, no new event
            continue
        about = k + 1 < len(words) and words[k + 1].lemma in tables.about
        stage = PLAN if _future(t) else DONE
        target = speech if lemma in tables.speech or about else verbs
        target.append(Predicate(event_key(lemma, tables), stage, negated))
        if about:
            announced.extend(_announced(words, k + 2, stage, negated, tables))
    nouns = [Predicate(tables.event_of[t.lemma], DONE) for k, t in enumerate(words)
             if t.pos == "NOUN" and t.lemma in tables.nouns
             and not any(w.lemma in tables.background for w in words[max(0, k - _BACKGROUND_WINDOW):k])]
    if verbs or speech:
        # a claim with a verb states its event, be it a speech verb's («объявил о введении военного
        # положения»: the declaration; «заявил, что…» with nothing else: what was said): verbal, so it is
        # one fact only with a claim of the same event. The words matter only to the actor test.
        return Events(frozenset(verbs or nouns or announced or loose
                                 or [Predicate("say", p.stage, p.negated) for p in speech]),
                      verbal=True, actor=_actor(words, tables), lemmas=frozenset(t.lemma for t in tokens if t.pos))
    return Events(frozenset(nouns or loose))


def _announced(words: list[Token], at: int, stage: str, negated: bool, tables: EventTables) -> list[Predicate]:
    """The event a speech verb announces by the noun after «о» («объявил о приостановке работы парламента»:
    приостановка), when the tables do not name it: without it a claim of a speech verb alone would state
    only «say», and could be taken for a repeat of any other announcement. Adjectives before the noun are
    skipped ('о полной приостановке')."""
    for t in words[at:at + _GOVERN_WINDOW]:
        if t.pos == "NOUN":
            return [Predicate(event_key(t.lemma, tables), stage, negated)]
        if t.pos not in ("ADJF", "PRTF", "ADVB"):
            break
    return []


_NAME_TAGS = {"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr"}


def _actor(words: list[Token], tables: EventTables) -> str | None:
    """The subject of the claim's first verb when it is a common noun in the nominative before it
    ('Парламент Южной Кореи проголосовал', 'Командование … расформировано'); names are left out (an
    outlet calls one man «Президент Южной Кореи» and «Юн Сок Ёль» in turn: no test on them)."""
    first_word = True
    for k, t in enumerate(words):
        if _verb_lemma(t, tables) is not None:
            return None
        if t.pos is None:
            continue
        capital, first_word = t.text[:1].isupper() and not first_word, False
        # a noun after a preposition or another noun is no subject ('после Дня благодарения')
        if t.pos != "NOUN" or capital or (k > 0 and words[k - 1].pos in ("PREP", "NOUN")):
            continue
        if _common_nominative(t.text.lower()):
            return t.lemma
    return None


@functools.lru_cache(maxsize=50_000)
def _common_nominative(word: str) -> bool:
    """A noun form that may be a nominative and is no name ('парламент', not 'Байден')."""
    readings = parses(fold(word))
    return not any(_NAME_TAGS & set(p.tag.grammemes) for p in readings) and \
        any(p.tag.case == "nomn" and str(p.tag.POS) == "NOUN" for p in readings)


def _opposed(a: Events, b: Events) -> bool:
    """One claim holds a step the other does not, whose opposite the other holds (declare / lift)."""
    tables = event_tables()
    ea, eb = a.kinds & tables.opposed, b.kinds & tables.opposed
    if not (ea and eb):
        return False
    return any(frozenset((x, y)) in tables.opposites for x in ea - b.kinds for y in eb - a.kinds)


def conflicting_events(a: Events, b: Events, stages: bool = True) -> bool:
    """Two claims state opposite steps of a story, two different known steps (classes of events.yaml:
    «ввели военное положение» / «проголосовало за отмену» / «командование расформировано»), or one event
    at another polarity (or, with `stages`, at another stage) with no predicate alike: whatever words they
    share, they are two facts. Verbs the tables do not know are no conflict when they differ (one outlet's
    «провалились под лёд» is another's «вышли на лёд»). Across outlets stages are not compared: one
    outlet's «разрешит охоту с 7 марта» is another's «охота разрешена», a plan told as done."""
    if not a.predicates or not b.predicates:
        return False
    if _opposed(a, b) or _other_steps(a, b):
        return True
    if not a.kinds & b.kinds:
        return False
    return not (a.predicates & b.predicates if stages else a.polar & b.polar)


def _other_steps(a: Events, b: Events) -> bool:
    steps = event_tables().steps
    return a.verbal and b.verbal and not a.kinds & b.kinds and bool(a.kinds & steps) and bool(b.kinds & steps)


def same_event(a: Events, b: Events, stages: bool = True) -> bool:
    """Whether two claims of one outlet may be one fact. Two claims with main verbs share a predicate
    (event, stage and polarity; with `stages` False event and polarity) and hold no opposite steps; a
    claim without (a headline of nouns: «Кадры падения астероида») may be one fact with any claim whose
    events do not conflict with its own."""
    if not (a.verbal and b.verbal):
        return not conflicting_events(a, b, stages)
    shared = a.predicates & b.predicates if stages else a.polar & b.polar
    return bool(shared) and not _opposed(a, b) and not _other_actors(a, b)


def states_another_event(claim: Events, group: list[Events]) -> bool:
    """A claim that states one event (one event key besides the `light` verbs of events.yaml: «произошло»,
    «провели», a speech verb alone) and a group whose every claim states events, none of them that one
    («Парламент проголосовал за отмену военного положения» against «Командование заявило, что введение
    военного положения вызвано…»): whatever words they share, the claim states no fact of that group. A
    claim of two events («упал на дом и загорелся») may state a second fact in other words, so it is never
    held apart this way."""
    light = event_tables().light
    mine = claim.kinds - light
    if not claim.verbal or len(mine) != 1 or not group:
        return False
    theirs = [e.kinds - light for e in group]
    if not all(e.verbal for e in group) or not all(theirs):
        return False
    return not any(mine & kinds for kinds in theirs)


def _other_actors(a: Events, b: Events) -> bool:
    """Each claim names a different acting body, and neither names the other's: «Парламент проголосовал
    за отмену» and «Правительство проголосовало за отмену» are two votes."""
    return bool(a.actor and b.actor and a.actor != b.actor and a.actor not in b.lemmas
                and b.actor not in a.lemmas)


def claims_events(claims, cache: dict[int, Events] | None = None) -> dict[int, Events]:
    """id(claim) -> its events, read from its core tokens (attribution phrases left out); `cache` (id(claim)
    -> events, of claims alive as long as it is) is filled and read, so a story reads each claim once."""
    cache = {} if cache is None else cache
    for c in claims:
        if id(c) not in cache:
            cache[id(c)] = claim_events(c.core_tokens or c.tokens)
    return cache


def own_voice(tokens: list[Token]) -> list[Token]:
    """The tokens of a claim outside quotation marks (nlp/spans.py `quoted_tokens`, as the claim's clauses and
    the framing read them): a quote is the speaker's words («"…пока вы замышляете заговор…", — написал он»:
    what the claim states is that he wrote it, not a plot)."""
    return [t for t, quoted in zip(tokens, quoted_tokens(tokens)) if not quoted]


def own_voice_events(claims, cache: dict[int, Events] | None = None) -> dict[int, Events]:
    """id(claim) -> the events of its words outside quotation marks (`own_voice`), as `claims_events`."""
    cache = {} if cache is None else cache
    for c in claims:
        if id(c) not in cache:
            cache[id(c)] = claim_events(own_voice(c.core_tokens or c.tokens))
    return cache


def event_keys(claims, cache: dict[int, Events] | None = None) -> list[frozenset[str]]:
    """Each claim's events that happened (stage done), but «say» (a speech verb alone is no detail of the
    story): two outlets' claims that state one event («применили слезоточивый газ» / «были вынуждены
    применить газ») are likely one fact retold, whatever else their words share (`event_bonus` of
    alignment.yaml). A plan or a request is left out: «попросил передать слова благодарности» and «попросил
    передать пожелания» are two requests of two people."""
    events = claims_events(claims, cache)
    return [events[id(c)].happened for c in claims]
