"""`parallax outlet NAME`, `parallax profiles` and `parallax wordchoice`: outlet profiles, their precomputed
counts and word-choice discovery."""
from __future__ import annotations

import json
import sys

from parallax.cli.common import DB_HELP, check_writable, fail, write_text_atomic
from parallax.periods import parse_period

# The commands import the store and the outlet analyses when they run: those pull numpy, the morphology,
# the tone model and their data (~0.6 s), which `parallax --help` and the other commands must not pay.


def register(sub) -> None:
    p = sub.add_parser("outlet", help="profile one outlet: contested terms, sources, tone, omissions",
                       description="How one outlet covers the stories of the corpus: contested-term usage over "
                                   "time, source mix and most cited sources, tone toward the most mentioned "
                                   "entities, typical omissions (stories with >= 3 outlets), loaded wording.")
    p.add_argument("name", metavar="NAME", nargs="?", help="outlet name or a unique part of it "
                                                           "(without NAME: list the outlets)")
    p.add_argument("--db", metavar="PATH_OR_URL", help=DB_HELP)
    p.add_argument("--since", metavar="DATE", help="articles on/after DATE (YYYY-MM-DD or ISO time)")
    p.add_argument("--until", metavar="DATE", help="articles on/before DATE")
    p.add_argument("--json", action="store_true", help="print the profile as JSON")
    p.add_argument("--html", metavar="OUT.html", help="write a self-contained HTML page with plots")
    p.add_argument("--no-omissions", action="store_true",
                   help="skip omissions (they need a comparison of every story with >= 3 outlets; stored "
                        "in the database by `parallax ingest` / `parallax profiles`)")
    p.set_defaults(func=run_outlet)

    p = sub.add_parser("profiles", help="bring the precomputed outlet-profile counts up to date",
                       description="Count what outlet profiles show (contested terms, sources, tone, loaded "
                                   "words) for every analysed article not yet counted, and compare the stories "
                                   "with >= 3 outlets whose articles changed (omissions). `parallax ingest` does "
                                   "this after analysis; run it for a corpus made before, or with --rebuild "
                                   "after changing a lexicon.")
    p.add_argument("--db", metavar="PATH_OR_URL", help=DB_HELP)
    p.add_argument("--rebuild", action="store_true", help="forget the stored counts and count every article again")
    p.add_argument("--no-omissions", action="store_true", help="only the per-article counts, no story comparisons")
    p.set_defaults(func=run_profiles)

    p = sub.add_parser("wordchoice", help="discover word-choice pairs across the stories of the corpus",
                       description="Pairs of expressions that outlets use for the same referent in aligned "
                                   "claims, ranked by how strongly each is tied to an outlet (log-odds ratio "
                                   "with an informative Dirichlet prior).")
    p.add_argument("--db", metavar="PATH_OR_URL", help=DB_HELP)
    p.add_argument("--since", metavar="DATE")
    p.add_argument("--until", metavar="DATE")
    p.add_argument("--top", type=int, default=30, metavar="N", help="show the N strongest pairs (default 30)")
    p.add_argument("--min-observations", type=int, default=1, metavar="N",
                   help="pairs seen in at least N aligned claim groups (default 1)")
    p.add_argument("--min-stories", type=int, default=1, metavar="N", help="... from at least N stories (default 1)")
    p.add_argument("--json", action="store_true", help="print the pairs as JSON")
    p.add_argument("--export", metavar="OUT.yaml",
                   help="write the top pairs as a lexicon candidate file (contested-terms format) for review")
    p.set_defaults(func=run_wordchoice)


def register_kinds(sub) -> None:
    p = sub.add_parser("outlets", help="the outlets registry: kinds of outlet (state, independent, …)",
                       description="What Parallax knows about outlets.")
    kinds_sub = p.add_subparsers(dest="outlets_command", required=True)
    k = kinds_sub.add_parser("kinds", help="list the outlet kinds registry (and the corpus outlets with their kind)",
                             description="The registry of outlet kinds (parallax/data/outlet_kinds.yaml, extended "
                                         "and overridden by --kinds FILE, --outlet-kinds FILE or "
                                         "$PARALLAX_OUTLET_KINDS). With --db, every outlet of the corpus with its "
                                         "kind; unrated ones are marked, to add to your file.")
    k.add_argument("--kinds", metavar="FILE", help="your outlet kinds YAML file (same format as the shipped one)")
    k.add_argument("--db", metavar="PATH_OR_URL",
                   help="also list the outlets of this corpus database with their kind (SQLite file or "
                        "postgresql:// URL)")
    k.add_argument("--json", action="store_true", help="print the registry (and corpus outlets) as JSON")
    k.set_defaults(func=run_kinds)


def _kinds_text(registry, corpus: list[str] | None, unrated_kind: str) -> str:
    lines = []
    for kind in registry.kinds():
        entries = [e for e in registry.entries if e.kind == kind]
        if not entries:
            continue
        lines.append(f"{kind} ({registry.label(kind, 'en')} / {registry.label(kind, 'ru')}): {len(entries)}")
        for e in sorted(entries, key=lambda e: e.name.casefold()):
            details = ", ".join(x for x in (e.owner, e.country, f"t.me/{e.telegram}" if e.telegram else None) if x)
            flags = f"  [{', '.join(e.flags)}]" if e.flags else ""
            lines.append(f"  {e.name}{flags}" + (f"  — {details}" if details else ""))
    if corpus is not None:
        unrated = [o for o in corpus if registry.kind_of(o) == unrated_kind]
        lines.append("")
        lines.append(f"corpus outlets: {len(corpus)}, unrated: {len(unrated)}")
        for outlet in corpus:
            kind = registry.kind_of(outlet)
            mark = "  <- unrated: add it to your kinds file" if kind == unrated_kind else ""
            lines.append(f"  {kind:<15} {outlet}{mark}")
    return "\n".join(lines) + "\n"


def run_kinds(args) -> int:
    # lazy: see the top of the module
    from parallax.outlet_kinds import UNRATED, load_outlet_kinds
    from parallax.resources import ResourceError
    from parallax.store import Store
    try:
        registry = load_outlet_kinds(args.kinds)
    except ResourceError as exc:
        return fail(f"outlets kinds: {exc}")
    corpus = None
    if args.db is not None:
        with Store(args.db) as store:
            corpus = store.outlets()
    if args.json:
        doc = {"kinds": [{"kind": k, "labels": registry.labels.get(k, {})} for k in registry.kinds()],
               "outlets": [e.as_dict() for e in registry.entries]}
        if corpus is not None:
            doc["corpus"] = [{"outlet": o, "kind": registry.kind_of(o)} for o in corpus]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    sys.stdout.write(_kinds_text(registry, corpus, UNRATED))
    return 0


def _progress(desc: str):
    if not sys.stderr.isatty():
        return None

    def report(i: int, n: int) -> None:
        print(f"\r{desc}: {i}/{n}", end="" if i < n else "\n", file=sys.stderr, flush=True)
    return report


def run_outlet(args) -> int:
    # lazy: see the top of the module
    from parallax.outlets.profiles import UnknownOutlet, list_outlets, outlet_profile
    from parallax.render.profile import profile_html, profile_text
    from parallax.store import Store
    try:
        since, until = parse_period(args.since, args.until)
    except ValueError as exc:
        return fail(f"bad date: {exc}")
    check_writable(args.html)
    with Store(args.db) as store:
        if not args.name:
            outlets = list_outlets(store)
            if args.json:
                print(json.dumps({"outlets": outlets}, ensure_ascii=False, indent=2))
            else:
                for o in outlets:
                    print(f"{o['articles']:6d} articles {o['stories']:6d} stories  "
                          f"{(o['first'] or '?')[:10]} .. {(o['last'] or '?')[:10]}  {o['outlet']}")
            return 0
        try:
            profile = outlet_profile(store, args.name, since, until, omissions=not args.no_omissions)
        except UnknownOutlet as exc:
            return fail(str(exc))
    if args.html:
        write_text_atomic(args.html, profile_html(profile))
    if args.json:
        print(json.dumps(profile, ensure_ascii=False, indent=2))
    elif not args.html or sys.stdout.isatty():
        sys.stdout.write(profile_text(profile))
    if args.html:
        print(f"wrote {args.html}", file=sys.stderr)
    return 0


def run_profiles(args) -> int:
    # lazy: see the top of the module
    from parallax.outlets.aggregates import rebuild_profiles, refresh_profiles
    from parallax.store import Store

    def progress(stage: str, done: int, total: int) -> None:
        report = reporters.setdefault(stage, _progress(stage))
        if report:
            report(done, total)
    reporters: dict = {}
    with Store(args.db) as store:
        run = rebuild_profiles if args.rebuild else refresh_profiles
        done = run(store, omissions=not args.no_omissions, progress=progress)
    print(f"counted {done['articles']} articles ({done['removed']} without a current analysis dropped), "
          f"compared {done['stories']} stories", file=sys.stderr)
    return 0


def run_wordchoice(args) -> int:
    # lazy: see the top of the module
    from parallax.outlets.wordchoice import candidates_yaml, discover
    from parallax.store import Store
    try:
        since, until = parse_period(args.since, args.until)
    except ValueError as exc:
        return fail(f"bad date: {exc}")
    check_writable(args.export)
    with Store(args.db) as store:
        pairs = discover(store, since=since, until=until, min_observations=args.min_observations,
                         min_stories=args.min_stories, progress=_progress("comparing stories"))
    top = pairs[:args.top] if args.top else pairs
    if args.export:
        write_text_atomic(args.export, candidates_yaml(top))
        print(f"wrote {len(top)} pairs to {args.export}", file=sys.stderr)
    if args.json:
        print(json.dumps({"pairs": [p.as_dict() for p in top], "total": len(pairs)}, ensure_ascii=False, indent=2))
        return 0
    print(f"{len(pairs)} pairs; the {len(top)} most outlet-specific:")
    for i, p in enumerate(top, 1):
        print(f"{i:3d}. {p.text_a}  /  {p.text_b}    [{p.concept}]  score {p.score:.2f}, "
              f"{p.observations} claim group(s), {p.stories} stor{'y' if p.stories == 1 else 'ies'}")
        counts = ", ".join(f"{o}: {c[p.term_a]}/{c[p.term_b]}" for o, c in p.counts.items()
                           if c[p.term_a] or c[p.term_b])
        prefers = []
        if p.favours_a:
            prefers.append(f"'{p.text_a}' most by {p.favours_a}")
        if p.favours_b:
            prefers.append(f"'{p.text_b}' most by {p.favours_b}")
        print(f"      counts (a/b): {counts}")
        if prefers:
            print(f"      {'; '.join(prefers)}")
    return 0
