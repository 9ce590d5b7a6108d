"""Dump the sentence units of the claim-facts benchmark stories for labelling, and check a labelled file.

The benchmark (`benchmarks/data/claim_facts.tsv`, guideline `benchmarks/data/claim_facts_guideline.md`)
labels every sentence of 45 multi-outlet stories of the Telegram corpus
(`../shared/data/telegram-ru-news-channels`) with a story-local fact id. The stories are listed below by
their post keys (channel id + message ids), not by Parallax story ids: story ids change whenever the
clustering changes, and two of the stories are unions of several stored stories.

    # 1. a corpus with the posts (news channels, 2024-11-25 .. 2024-12-05), only if you have none yet
    # (needs an importable Parallax, e.g. PYTHONPATH=/tmp/px_snapshot)
    python benchmarks/claim_facts_extract.py --build ../shared/data/telegram-ru-news-channels/data/raw
    # 2. dump the units (sentences as the analyzer splits them) to /tmp/claim_facts/units/
    python benchmarks/claim_facts_extract.py --db /tmp/claim_facts/corpus.sqlite
    # 3. check a labelled TSV against the corpus (keys, offsets, check strings, every unit labelled once)
    python benchmarks/claim_facts_extract.py --check benchmarks/data/claim_facts.tsv

Units are the `Sentence`s of the stored analysis (`analyses` table, analyzer output: razdel sentences
inside line-break paragraphs), offsets into the stored article text. When an article has no stored
analysis, the sentences are computed with the package's splitter; the package is imported inside a
function so that this script keeps working (or fails with one clear message) while the package is being
restructured. The dump goes to /tmp only: post texts of the data set are not copied into the repository.

Rerunnable: every run rewrites its outputs; `--build` skips ingestion when the database exists.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

OUT_DIR = Path("/tmp/claim_facts")
DEFAULT_DB = OUT_DIR / "corpus.sqlite"
SINCE, UNTIL = "2024-11-25", "2024-12-05"
CHECK_CHARS = 24

# Channel ids (the absolute Telegram sender id, the part before "/" in a Parallax article id).
CHANNELS = {
    "1001003921752": "BBC News | Русская служба",
    "1001101170442": "РИА Новости",
    "1001394050290": "Раньше всех. Ну почти.",
    "1001166834860": "Ньюсач/Двач",
    "1001754252633": "Топор Live",
    "1001237513492": "Топор+",
    "1001288489154": "ТОПОР - Горячие новости",
    "1001100158992": "SHOT",
    "1001117628569": "Mash",
    "1001136626166": "Банкста",
    "1001259695380": "112",
    "1001125816841": "Москва с огоньком",
    "1001699803165": "Москва с огоньком Live",
    "1001747110091": "Москва Live",
    "1001326203371": "Москва - новостная",
    "1001288481277": "Москвач • Новости Москвы",
    "1001966291562": "КиберТопор",
}
# Channels of the data set that are not news channels (left out of --build).
NOT_NEWS = ("Хабр", "Типичный программист", "Библиотека")

# (slug, part, {channel id: [message ids]}) in the order the stories were picked. Part rule, fixed before
# labelling: the i-th story (1-based) is `test` when i % 3 == 1, else `tune`; the two required stories
# (Carlsberg, martial law) were placed at positions 1 and 4. Stories 16-20 (session 7) are a second test
# part, `test2`, picked and fixed before labelling for scoring the repeat-collapsing fix on unseen stories.
# Stories 21-25 (session 8) are a third blind part, `test3`, picked and fixed the same way, for measuring the
# outlet-account grouping once nobody can have tuned on test2.
# Stories 26-30 (session 10) are a fourth blind part, `test4`, picked and fixed the same way, for measuring
# the claim-grouping work of session 10 once test3 has become a tuning part.
# Stories 31-35 (session 11) are a fifth blind part, `test5`, picked and fixed the same way, for one measurement
# at the end of session 11, once test4 has become a tuning part.
# Stories 36-40 (session 11) are a sixth blind part, `test6`, picked and fixed the same way, for the next
# session's one blind measurement (nobody measures it in session 11).
# Stories 41-45 (session 12) are a seventh blind part, `test7`, picked and fixed the same way, for a later
# session's one blind measurement (nobody measures it in session 12).
STORIES: list[tuple[str, str, dict[str, list[int]]]] = [
    # 1. Putin's decree releases Carlsberg's former assets; Carlsberg sells «Балтика» to its managers.
    #    Union of 4 stored stories (the clusterer split RIA 271500 and both «Раньше всех» posts off).
    ("carlsberg_baltika", "test", {
        "1001394050290": [195139, 195205],
        "1001136626166": [61672],
        "1001101170442": [271497, 271500],
        "1001166834860": [129234],
        "1001003921752": [73672],
    }),
    # 2. Biden pardons his son Hunter, and the reactions (one stored story).
    ("biden_pardon", "tune", {
        "1001101170442": [271303, 271304, 271305, 271313, 271356, 271449, 271603],
        "1001166834860": [129151],
        "1001100158992": [74769],
        "1001754252633": [125935, 125936, 125956, 126013, 126149],
        "1001003921752": [73619, 73627, 73652, 73689, 73697],
        "1001394050290": [195093, 195103, 195164, 195184],
        "1001136626166": [61639],
    }),
    # 3. The Prosecutor General declares The Satanic Temple undesirable.
    ("satanic_temple", "tune", {
        "1001101170442": [271610],
        "1001166834860": [129317],
        "1001394050290": [195285],
        "1001100158992": [74858],
        "1001003921752": [73710],
        "1001326203371": [27209],
    }),
    # 4. South Korea's martial law of 3-4 December: union of the two stored stories that hold RIA 271523,
    #    271524 and BBC 73681, 73685, 73688 (smaller fragments of the same episode stay out, see guideline).
    ("korea_martial_law", "test", {
        "1001101170442": [271523, 271524, 271529, 271532, 271535, 271537, 271541, 271545, 271549, 271550,
                          271555, 271556, 271557, 271563, 271566, 271570, 271571, 271574, 271575, 271583,
                          271591, 271593, 271599, 271608, 271627, 271628, 271635],
        "1001166834860": [129247, 129248, 129250, 129252, 129256, 129261, 129262, 129263, 129265, 129266,
                          129267, 129278, 129286, 129287, 129291, 129292, 129306, 129307, 129314],
        "1001754252633": [126095, 126096, 126097, 126100, 126102, 126103, 126108, 126109, 126111, 126116,
                          126117, 126118, 126129, 126131, 126132, 126138, 126140, 126142, 126143, 126151,
                          126154, 126159],
        "1001237513492": [73118, 73119, 73131],
        "1001100158992": [74826, 74829, 74840],
        "1001394050290": [195220, 195221, 195225, 195230, 195231, 195237, 195238, 195239, 195240, 195241,
                          195243, 195246, 195247, 195261, 195263, 195264, 195270, 195271, 195273, 195275,
                          195276, 195281, 195287],
        "1001136626166": [61726, 61730, 61736, 61748],
        "1001003921752": [73681, 73682, 73685, 73687, 73688, 73698, 73699, 73701, 73705, 73708],
        "1001117628569": [59740, 59751],
    }),
    # 5. A small asteroid burns up over Yakutia (13 channels, many video posts).
    ("yakutia_asteroid", "tune", {
        "1001394050290": [195248, 195249],
        "1001166834860": [129268, 129269, 129271],
        "1001100158992": [74841, 74844],
        "1001117628569": [59752],
        "1001125816841": [46367, 46368, 46370],
        "1001237513492": [73134, 73138],
        "1001699803165": [27583, 27584, 27586],
        "1001747110091": [19675],
        "1001101170442": [271559],
        "1001259695380": [19216],
        "1001326203371": [27204],
        "1001754252633": [126125],
        "1001003921752": [73696],
    }),
    # 6. Two men fall through the ice of Кошачий пруд in Moscow.
    ("koshachiy_pond_ice", "tune", {
        "1001125816841": [46345, 46346, 46351],
        "1001117628569": [59730],
        "1001100158992": [74811],
        "1001166834860": [129231],
        "1001259695380": [19207],
        "1001288489154": [40044],
    }),
    # 7. Tucker Carlson comes to Moscow to interview Lavrov.
    ("carlson_lavrov", "test", {
        "1001100158992": [74850],
        "1001101170442": [271585, 271605],
        "1001117628569": [59758],
        "1001754252633": [126148],
        "1001166834860": [129315],
        "1001003921752": [73704],
        "1001394050290": [195279],
    }),
    # 8. The wolf loses its «strictly protected» status in Europe.
    ("eu_wolves", "tune", {
        "1001101170442": [271581],
        "1001394050290": [195284],
        "1001166834860": [129321],
        "1001003921752": [73713],
    }),
    # 9. A tram rams two cars in Novosibirsk.
    ("novosibirsk_tram", "tune", {
        "1001259695380": [19214],
        "1001754252633": [126121],
        "1001101170442": [271561],
        "1001166834860": [129277],
    }),
    # 10. A child falls out of a ski-lift cabin in Sheregesh.
    ("sheregesh_lift_child", "test", {
        "1001259695380": [19205],
        "1001100158992": [74810],
        "1001101170442": [271488],
        "1001288489154": [40046],
    }),
    # 11. Two children die of chickenpox in a care home in the Volgograd region.
    ("volgograd_chickenpox", "tune", {
        "1001259695380": [19211],
        "1001117628569": [59736],
        "1001100158992": [74822],
        "1001166834860": [129239],
    }),
    # 12. Moscow's most expensive flat (Copper House, 4.3 bn roubles) is put up for sale. The stored story
    #     also holds Москва Live 19649 (a different flat, «от полутора миллиардов»): left out.
    ("copper_house_flat", "tune", {
        "1001747110091": [19650],
        "1001288481277": [29311],
        "1001136626166": [61675],
        "1001237513492": [73093],
        "1001754252633": [126042],
        "1001100158992": [74814],
        "1001166834860": [129296],
    }),
    # 13. Nebenzya (and Zakharova) accuse Ukraine's intelligence of backing the Syrian rebels.
    ("nebenzya_syria_gur", "test", {
        "1001101170442": [271578, 271639],
        "1001003921752": [73703],
    }),
    # 14. Nabiullina: a key-rate rise in December is possible but not predetermined.
    ("nabiullina_key_rate", "tune", {
        "1001101170442": [271631],
        "1001394050290": [195296],
        "1001699803165": [27593],
        "1001166834860": [129323],
        "1001136626166": [61764],
    }),
    # 15. Kallas: the EU may sanction Georgia. The stored story also holds the Tbilisi protest coverage
    #     (a second event merged in); only the four Kallas posts are labelled.
    ("georgia_eu_sanctions", "tune", {
        "1001394050290": [195084],
        "1001136626166": [61609],
        "1001754252633": [125903],
        "1001166834860": [129130],
    }),
    # 16. Test2 part (session 7, fixed before labelling; developing, wire-style). Georgia: the first night of
    #     protests after Kobakhidze suspended EU accession talks. Rule: posts published 28 Nov 17:00 - 29 Nov
    #     09:00 UTC whose subject is the protests (rallies, Zurabishvili joining, the dispersal, injured,
    #     detained, advice to Russians), BBC's digest when its first item is the protests; the government's
    #     decision itself (before 17:00) and foreign reactions are left out.
    ("tbilisi_protest_first_night", "test2", {
        "1001100158992": [74669, 74675, 74676, 74677],
        "1001101170442": [270987, 270989, 270990, 270995, 270998, 271005, 271031, 271058],
        "1001754252633": [125643, 125648, 125651, 125653, 125656, 125659],
        "1001003921752": [73485, 73489, 73490, 73491, 73493, 73495, 73496, 73499, 73500],
        "1001166834860": [128893, 128901, 128905],
        "1001136626166": [61509],
        "1001117628569": [59637],
        "1001394050290": [194954],
    }),
    # 17. Test2 (developing, wire-style). Syria: the armed opposition's offensive in Aleppo and Idlib provinces
    #     up to the fall of Aleppo's centre. Rule: posts published 28 Nov 00:00 - 30 Nov 09:30 UTC whose subject
    #     is the offensive (attacks, counter-attacks, strikes, casualties, control of Aleppo, statements about
    #     it); lists and digests whose first item is another event are left out (Топор Live 125698, Peskov's
    #     list; BBC 73540), as is Peskov on Assad's rumoured Moscow visit (RIA 271070).
    ("aleppo_offensive", "test2", {
        "1001101170442": [270858, 270988, 270991, 271011, 271027, 271041, 271049, 271069, 271097, 271118,
                          271120, 271125, 271142],
        "1001754252633": [125558, 125679, 125686, 125713, 125717, 125734, 125739, 125779, 125781, 125782,
                          125783, 125787],
        "1001117628569": [59631, 59670, 59671, 59672, 59678],
        "1001394050290": [194956, 195018, 195024, 195028, 195031],
        "1001003921752": [73530, 73534, 73562, 73564],
        "1001100158992": [74717],
        "1001166834860": [128968, 129011],
    }),
    # 18. Test2 (ordinary). Shooting after a quarrel at «Кофемания» on Большая Никитская, Moscow: every post on
    #     it, 27 Nov 16:50 - 28 Nov 09:00 UTC (the stored story also holds a Кузнецкий Мост robbery: left out).
    ("kofemania_shooting", "test2", {
        "1001100158992": [74622, 74623, 74625],
        "1001125816841": [46163, 46171, 46173, 46175, 46188],
        "1001747110091": [19524, 19525, 19526],
        "1001117628569": [59601, 59602, 59603],
        "1001394050290": [194856],
        "1001288481277": [29235, 29236, 29237],
        "1001101170442": [270793, 270797],
        "1001166834860": [128812],
    }),
    # 19. Test2 (ordinary, with follow-ups). A whale-watching boat with tourists capsizes off Teriberka: every
    #     post on it, 27-29 Nov (sinking, rescue, footage, drunk captain, detention, custody);
    #     three stored stories.
    ("teriberka_boat", "test2", {
        "1001100158992": [74610, 74611, 74612, 74613, 74643, 74649, 74650],
        "1001754252633": [125467, 125475],
        "1001259695380": [19147, 19148, 19153],
        "1001101170442": [270722, 270731, 270875, 271105],
        "1001166834860": [128791],
    }),
    # 20. Test2 (ordinary, 10 outlets). Police raids on Moscow night clubs (Arma/«Мутабор» and others) in the
    #     night of 29-30 Nov: posts of 29 Nov 23:00 - 30 Nov 12:00 UTC; later raids and the court arrests of
    #     2-3 Dec are left out.
    ("moscow_club_raids", "test2", {
        "1001117628569": [59674],
        "1001100158992": [74721, 74722],
        "1001125816841": [46242, 46244, 46253, 46254],
        "1001003921752": [73555],
        "1001326203371": [27145],
        "1001166834860": [129001],
        "1001288481277": [29279],
        "1001237513492": [72958],
        "1001747110091": [19602],
        "1001754252633": [125776],
    }),
    # 21. Test3 part (session 8, fixed before labelling; developing, wire-style). Syria after the fall of
    #     Aleppo's centre (follows story 17). Rule: posts published 30 Nov 09:30 - 1 Dec 21:00 UTC whose
    #     subject is the fighting inside Syria (battles, air strikes, casualties, who holds Aleppo and the
    #     north of Hama province, the attack on Iran's consulate in Aleppo, the IRGC commander's death, the
    #     reported coup attempt in Damascus and its denial, the Syrian command's statements on the fighting);
    #     political statements and contacts (Assad's words, Turkey, Iran's and Russia's ministers, the
    #     Israel-US consultations, Iraq closing its border, the UAE call), digests and commentary are left out.
    ("syria_after_aleppo", "test3", {
        "1001754252633": [125793, 125825, 125841, 125868, 125872, 125880],
        "1001003921752": [73574, 73608],
        "1001101170442": [271191, 271209, 271221, 271223, 271244, 271250, 271284, 271291],
        "1001117628569": [59687],
        "1001166834860": [129065, 129070, 129080],
        "1001394050290": [195055, 195058, 195062, 195063, 195068, 195074],
        "1001100158992": [74741],
    }),
    # 22. Test3 (developing, wire-style over ten days). Romania's elections: every post of the corpus
    #     (25 Nov - 4 Dec) whose subject is the presidential first round (Georgescu ahead, the TikTok inquiry,
    #     the possible rerun) or the parliamentary election of 1 Dec and its results, with Putin's remark on
    #     the recount; Peskov's lists, digests and posts only mentioning Romania (the ATACMS train) are out.
    ("romania_elections", "test3", {
        "1001003921752": [73323, 73454, 73626],
        "1001754252633": [125244, 125292, 125697],
        "1001394050290": [194649, 194973, 195066, 195095, 195149],
        "1001166834860": [128596, 128676],
        "1001101170442": [271288, 271299, 271404],
    }),
    # 23. Test3 (ordinary, with follow-ups). A DHL cargo Boeing crashes onto a house near Vilnius airport on
    #     25 Nov: every post on it in the corpus (25 Nov - 1 Dec) but BBC's morning digest (first item:
    #     the Antalya Superjet).
    ("vilnius_dhl_crash", "test3", {
        "1001394050290": [194646, 194650],
        "1001754252633": [125247, 125248, 125251, 125266, 125284, 125910],
        "1001117628569": [59499, 59500, 59501],
        "1001100158992": [74520, 74521, 74522, 74526, 74531],
        "1001003921752": [73324, 73329, 73346],
        "1001166834860": [128595, 128605],
        "1001125816841": [46059],
    }),
    # 24. Test3 (ordinary). A bus and 15-16 cars collide on Leningradsky prospekt, Moscow, on 3 Dec morning:
    #     every post on it (3 Dec 05:45 - 07:00 UTC; nothing later in the corpus).
    ("leningradsky_bus_crash", "test3", {
        "1001125816841": [46339, 46340, 46341],
        "1001101170442": [271452],
        "1001699803165": [27570],
        "1001394050290": [195179],
        "1001166834860": [129219],
        "1001747110091": [19654],
        "1001288481277": [29320],
    }),
    # 25. Test3 (ordinary). Fire at penal colony No. 2 in Rybinsk, Yaroslavl region, on 2 Dec: every post on
    #     it (2 Dec 07:00 - 12:00 UTC), from the first reports to the fire put out.
    ("rybinsk_colony_fire", "test3", {
        "1001259695380": [19191],
        "1001117628569": [59706],
        "1001100158992": [74777],
        "1001166834860": [129165],
        "1001101170442": [271337, 271367],
        "1001754252633": [125955, 125977],
    }),
    # 26. Test4 part (session 10, fixed before labelling; developing, wire-style). The rouble's fall on 27 Nov,
    #     from the dollar crossing 110 to its peak of 114.5. Rule: posts published 27 Nov 11:10 - 13:30 UTC whose
    #     subject is the quotes of the dollar, euro or yuan against the rouble (exchange, Forex, growth over the
    #     day), jokes about the quote included; Nabiullina's «address» (Топор+ 72827, Топор Live 125489) and
    #     the promotions of Топор's economics channel (ТОПОР 39901, Топор Live 125492) are left out.
    ("rouble_fall_peak", "test4", {
        "1001394050290": [194820, 194821, 194824, 194825, 194829, 194831, 194833],
        "1001101170442": [270728, 270746, 270748],
        "1001136626166": [61401, 61404, 61407, 61409],
        "1001699803165": [27476, 27478, 27479, 27480, 27481, 27483],
        "1001326203371": [27085, 27086, 27088, 27090, 27091, 27092, 27093],
        "1001166834860": [128790, 128792, 128793, 128796, 128797, 128799],
        "1001754252633": [125474, 125478, 125481, 125483, 125485, 125487],
        "1001237513492": [72818, 72821, 72823, 72824, 72825],
        "1001003921752": [73424],
        "1001747110091": [19515],
        "1001125816841": [46153, 46154],
        "1001288489154": [39899],
        "1001288481277": [29226],
    }),
    # 27. Test4 (ordinary, with follow-ups). Deaths at the private social centre «Рубикон» in Калистратиха,
    #     Altai region: every post of the corpus on it (28 Nov 16:00 - 3 Dec: the first deaths, the
    #     hospitalised, the director detained, infection not poisoning, the centre closed, later tallies).
    ("altai_rubikon_deaths", "test4", {
        "1001101170442": [270980, 270983, 271021, 271074, 271076, 271084, 271086, 271171, 271450],
        "1001100158992": [74668, 74681],
        "1001259695380": [19165, 19167],
        "1001754252633": [125664, 125777],
        "1001166834860": [128907],
    }),
    # 28. Test4 (ordinary, with follow-ups). The director of the Moscow travel firm «Мен Тревел» detained for
    #     tours for LGBT groups: every post of the corpus on it (30 Nov - 2 Dec: detention, the case, his
    #     words, the court arrest).
    ("men_travel_detention", "test4", {
        "1001100158992": [74726, 74787],
        "1001125816841": [46252, 46317],
        "1001699803165": [27533],
        "1001166834860": [129023],
        "1001237513492": [72981],
        "1001288489154": [39987],
        "1001101170442": [271396],
        "1001003921752": [73643, 73646],
    }),
    # 29. Test4 (ordinary). The nationwide outage of delivery, bank and telecom services on 29 Nov. Rule: posts
    #     published 29 Nov 14:55 - 17:05 UTC whose subject is the outage (first user reports to
    #     Roskomnadzor's confirmation and cause); КиберТопор's TikTok outage an hour earlier is left out.
    ("russia_services_outage", "test4", {
        "1001966291562": [19037],
        "1001747110091": [19589],
        "1001125816841": [46233, 46235],
        "1001699803165": [27523, 27525],
        "1001326203371": [27141, 27143],
        "1001166834860": [128957],
        "1001288481277": [29273],
        "1001394050290": [195009],
        "1001003921752": [73533],
        "1001136626166": [61564],
    }),
    # 30. Test4 (ordinary, a visit told over a day). Defence minister Belousov's visit to North Korea. Rule:
    #     posts published 29 Nov 05:00 - 30 Nov 08:00 UTC whose subject is the visit (arrival, the ministers'
    #     statements, the meeting with Kim Jong Un, what was said there); digests (RIA 271129) are left out.
    ("belousov_dprk_visit", "test4", {
        "1001101170442": [271025, 271028, 271035, 271039, 271148],
        "1001166834860": [128909, 129006],
        "1001754252633": [125665, 125672, 125673, 125748, 125750],
        "1001003921752": [73498, 73557],
        "1001394050290": [194958, 194963, 195027],
        "1001100158992": [74689],
    }),
    # 31. Test5 part (session 11, fixed before labelling; developing, wire-style). The Israel-Hezbollah ceasefire
    #     in Lebanon. Rule: posts published 26 Nov 18:00 - 27 Nov 09:00 UTC whose subject is the ceasefire
    #     (Netanyahu's announcement, the cabinet's approval and vote, the terms, Biden's statements, the sirens
    #     after the approval, the entry into force, Israeli strikes in the last hours before it, residents
    #     returning, Hamas ready for a Gaza deal); BBC's digests (73403, 73411), the oil-price posts (Москва с
    #     огоньком Live 27464, Банкста 61364) and RIA's foreign front pages (270635) are left out.
    ("israel_lebanon_ceasefire", "test5", {
        "1001003921752": [73400, 73401, 73409, 73410],
        "1001101170442": [270616, 270621, 270622, 270623, 270624, 270650, 270668, 270695],
        "1001394050290": [194777, 194781, 194784, 194791],
        "1001754252633": [125413, 125415, 125417, 125418, 125428, 125433, 125438],
        "1001166834860": [128749, 128751, 128752, 128753, 128758, 128763],
        "1001117628569": [59575],
        "1001136626166": [61378],
    }),
    # 32. Test5 (ordinary, with follow-ups). Rostov region's transport minister Кушнарёв and his deputy Мамелко
    #     detained for a bribe: every post of the corpus on it (25-27 Nov: the detention, the 27 m roubles, his
    #     property, the court arrest, the weapons charge).
    ("rostov_minister_bribe", "test5", {
        "1001394050290": [194656, 194661, 194684, 194852],
        "1001100158992": [74528, 74585],
        "1001117628569": [59503, 59607],
        "1001754252633": [125257],
        "1001259695380": [19130],
        "1001166834860": [128615],
        "1001101170442": [270784],
    }),
    # 33. Test5 (ordinary, many short posts). A drunk driver's BMW X6 ploughs into pedestrians at a crossing in
    #     Chelyabinsk on 25 Nov: every post of the corpus on it (25 Nov 10:20 - 12:10 UTC: the crash, the
    #     injured, the driver, his detention, the hockey goalkeeper among the injured).
    ("chelyabinsk_bmw_pedestrians", "test5", {
        "1001117628569": [59511, 59512, 59516],
        "1001259695380": [19134, 19136, 19139],
        "1001166834860": [128624, 128625],
        "1001100158992": [74538, 74539, 74540, 74543, 74546],
        "1001754252633": [125278, 125279, 125282],
    }),
    # 34. Test5 (ordinary). The founder of the darknet drug market Hydra sentenced to life on 2 Dec: every post
    #     of the corpus on the sentence (2 Dec 10:50 - 20:15 UTC), Mash's evening quiz post on it included.
    ("hydra_founder_sentence", "test5", {
        "1001259695380": [19192],
        "1001326203371": [27181],
        "1001288481277": [29304],
        "1001747110091": [19642],
        "1001166834860": [129182],
        "1001237513492": [73068],
        "1001003921752": [73648],
        "1001136626166": [61663],
        "1001117628569": [59724],
    }),
    # 35. Test5 (ordinary, near-identical reprints). A criminal case against the blogger Ilya Varlamov for
    #     evading a "foreign agent"'s duties: every post of the corpus on it (25 Nov 11:15 - 12:00 UTC).
    ("varlamov_criminal_case", "test5", {
        "1001699803165": [27434],
        "1001166834860": [128630],
        "1001394050290": [194672],
        "1001125816841": [46073],
        "1001100158992": [74544],
        "1001326203371": [27030],
        "1001003921752": [73335],
        "1001754252633": [125287],
    }),
    # 36. Test6 part (session 11, fixed before labelling; developing, wire-style). Putin at the CSTO summit in
    #     Astana on 28 Nov on where Russia would strike Ukraine. Rule: posts published 28 Nov 10:00 - 16:00 UTC whose
    #     headline or first item is Putin's statement on the targets of strikes on Ukraine (the General Staff and
    #     the MoD choosing targets for «Орешник», decision centres in Kyiv, Kyiv's attempts to hit Moscow and St
    #     Petersburg, «сегодня в течение дня всё возможно»); list posts whose first item is another statement are
    #     left out even when they repeat it (Топор Live 125577, 125580, 125608; Mash 59614; RIA 270910; BBC 73458);
    #     the other statements inside the kept list posts are off-event units.
    ("putin_oreshnik_kyiv_targets", "test6", {
        "1001394050290": [194900, 194901, 194902, 194925, 194927],
        "1001101170442": [270905, 270913, 270977],
        "1001166834860": [128848, 128867, 128868],
        "1001754252633": [125574, 125575, 125610],
        "1001100158992": [74656],
        "1001237513492": [72866],
    }),
    # 37. Test6 (developing, wire-style). The drone attack on Rostov region in the night of 28-29 Nov and the
    #     fire at the oil depot / industrial site in Каменский district. Rule: posts published 28 Nov 23:00 -
    #     29 Nov 12:00 UTC whose subject is that night's attack on the region (the governor's drone tallies,
    #     eyewitnesses of the fire, the fire at the industrial site, the MoD's night tally when Rostov region is
    #     its first region, Ukraine's general staff claiming the strike, debris found); other regions' attacks
    #     (Раньше всех 194974 and later) are left out.
    ("rostov_kamensky_oil_depot", "test6", {
        "1001101170442": [270999, 271013, 271023, 271095],
        "1001100158992": [74679, 74680],
        "1001117628569": [59642],
        "1001754252633": [125661, 125662],
        "1001394050290": [194953],
        "1001003921752": [73512],
    }),
    # 38. Test6 (ordinary). The cause of the Superjet 100 fire at Antalya (24 Nov). Rule: posts published 26 Nov
    #     14:00 - 28 Nov 18:00 UTC whose subject is the cause (the preliminary cause, Azimut's report on the hard
    #     landing, the statement that there is no reason to stop flying the SSJ-100); the podcast posts, the
    #     passengers, the fruit seller's award and other Superjet incidents are left out.
    ("antalya_superjet_cause", "test6", {
        "1001117628569": [59566, 59581],
        "1001100158992": [74607],
        "1001747110091": [19510],
        "1001394050290": [194945],
        "1001326203371": [27117],
        "1001754252633": [125634],
    }),
    # 39. Test6 (ordinary, near-reprints). A young Muscovite tears the corner of his mouth on a shawarma: every
    #     post of the corpus on it (1 Dec 15:00 - 18:10 UTC).
    ("moscow_shawarma_mouth", "test6", {
        "1001100158992": [74759],
        "1001125816841": [46295],
        "1001699803165": [27549],
        "1001237513492": [73036],
        "1001326203371": [27167],
        "1001747110091": [19623],
        "1001754252633": [125909],
        "1001288481277": [29293],
        "1001166834860": [129138],
    }),
    # 40. Test6 (ordinary, short posts). The Telegram outage of 2 Dec: every post of the corpus on it (2 Dec
    #     15:30 - 16:10 UTC).
    ("telegram_outage_dec2", "test6", {
        "1001966291562": [19139],
        "1001101170442": [271403],
        "1001125816841": [46316],
        "1001699803165": [27564],
        "1001326203371": [27185],
        "1001394050290": [195153],
        "1001136626166": [61657],
        "1001166834860": [129192],
    }),
    # 41. Test7 part (session 12, fixed before labelling; developing, wire-style). The drone attack on Bryansk
    #     region in the night of 30 Nov - 1 Dec. Rule: posts published 30 Nov 21:00 - 1 Dec 08:00 UTC whose subject
    #     is that night's attack on the region (the governor's drone tallies, the child killed and the houses hit in
    #     Стародубский округ) or the MoD's tally of that night (29 drones over the regions, 20 of them over Bryansk
    #     region); the fire after a downed drone in Kaluga region (RIA 271233, Топор Live 125851) is left out.
    ("bryansk_drone_attack_dec1", "test7", {
        "1001101170442": [271226, 271229, 271237, 271238, 271245],
        "1001100158992": [74746],
        "1001003921752": [73593],
        "1001117628569": [59693],
        "1001754252633": [125848, 125856],
        "1001166834860": [129095, 129098],
        "1001394050290": [195064],
    }),
    # 42. Test7 (developing, wire-style). The fire at a furniture factory in Климовск (Подольск), Moscow region,
    #     on 28 Nov. Rule: every post of the corpus on it (28 Nov 06:40 - 30 Nov 00:00 UTC: the first report, the
    #     area growing from 1300 to 4200 m², the fire train, the partial roof collapse, localised, put out);
    #     two stored stories.
    ("klimovsk_furniture_fire", "test7", {
        "1001125816841": [46179, 46182, 46190, 46193, 46243],
        "1001101170442": [270850, 270854, 270860, 270864, 270876, 270882, 270887, 271150],
        "1001747110091": [19534],
        "1001259695380": [19156],
        "1001166834860": [128843],
    }),
    # 43. Test7 (ordinary, a dispute told over a day). Germany and Первый канал's Berlin bureau. Rule: posts
    #     published 27 Nov 06:30 - 28 Nov 12:00 UTC whose subject is the closing of Первый канал's bureau in Berlin
    #     and what followed (the report of the closing, the channel's statement, Grushko's promised response, the
    #     ARD journalists told to leave Russia, Russia's terms for new ARD accreditation, Germany's denial, Berlin
    #     refusing residence permits to Russian media staff, the Russian ambassador summoned); Zakharova's briefing
    #     list whose first item is the ARD expulsion (RIA 270772) is kept, its other items off-event; BBC's evening
    #     digest (first item: Lebanon, 73444) is left out.
    ("channel_one_berlin_bureau", "test7", {
        "1001394050290": [194792, 194828, 194837],
        "1001166834860": [128764],
        "1001754252633": [125437],
        "1001101170442": [270688, 270701, 270738, 270739, 270744, 270772, 270818, 270912],
        "1001003921752": [73413, 73425, 73432],
    }),
    # 44. Test7 (ordinary, with follow-ups). The cruise ship SH Diana breaks down on the way to Antarctica and
    #     Russian passengers go on hunger strike: every post of the corpus on it (29 Nov 04:00 - 2 Dec 06:00 UTC:
    #     the breakdown, the protest, the company settling, the last hunger striker, the refund demand, her
    #     settlement); two stored stories.
    ("antarctic_cruise_hunger_strike", "test7", {
        "1001117628569": [59643],
        "1001100158992": [74682, 74713],
        "1001326203371": [27119],
        "1001166834860": [128911],
        "1001101170442": [271061, 271108, 271109, 271139, 271326],
    }),
    # 45. Test7 (ordinary, with a follow-up). A brawl with shooting in Ногинск, Moscow region, on the evening of
    #     30 Nov: every post of the corpus on it (30 Nov 20:00 UTC - 2 Dec: the first reports, the causes, the
    #     teenager arrested as the instigator); three stored stories.
    ("noginsk_brawl_shooting", "test7", {
        "1001237513492": [73006],
        "1001125816841": [46270, 46271, 46335],
        "1001747110091": [19612],
        "1001326203371": [27158],
        "1001699803165": [27540, 27541],
        "1001166834860": [129086],
    }),
]


class SetupError(RuntimeError):
    pass


# ---- the parts of the package this script needs, imported late -----------------------------------------

def _split_sentences():
    """The analyzer's sentence splitter: (text) -> list of objects with .start/.end."""
    errors = []
    for module, name in (("parallax.nlp.segment", "split_sentences"),):
        try:
            mod = __import__(module, fromlist=[name])
            return getattr(mod, name)
        except (ImportError, AttributeError) as exc:
            errors.append(f"{module}.{name}: {exc}")
    try:  # whatever the layout, the analyzer itself gives the sentences
        from parallax.model import Article
        from parallax.nlp.pipeline import Analyzer

        def via_analyzer(text):
            return Analyzer().analyze(Article(id="x", text=text, outlet="x")).sentences
        return via_analyzer
    except (ImportError, AttributeError) as exc:
        errors.append(f"parallax.nlp.pipeline.Analyzer: {exc}")
    raise SetupError("cannot import the Parallax sentence splitter (run with PYTHONPATH pointing at a "
                     "Parallax checkout, e.g. PYTHONPATH=/tmp/px_snapshot):\n  " + "\n  ".join(errors))


# ---- corpus --------------------------------------------------------------------------------------------

def build_corpus(raw_dir: Path, db: Path, since: str = SINCE, until: str = UNTIL) -> None:
    """Filter the news channels' posts of [since, until] into OUT_DIR/raw and `parallax ingest` them."""
    if db.exists():
        print(f"{db} exists, not ingesting again", file=sys.stderr)
        return
    filtered = OUT_DIR / "raw"
    filtered.mkdir(parents=True, exist_ok=True)
    total = 0
    for path in sorted(Path(raw_dir).glob("*_messages.json")):
        posts = json.loads(path.read_text(encoding="utf-8"))
        if not posts or any(str(posts[0].get("channel", "")).startswith(p) for p in NOT_NEWS):
            continue
        keep = [p for p in posts if since <= str(p.get("date", ""))[:10] <= until]
        if keep:
            # same file name: the channel id is read from sender_id, the file stem is only a fallback
            (filtered / path.name).write_text(json.dumps(keep, ensure_ascii=False), encoding="utf-8")
            total += len(keep)
    print(f"{total} posts of {since}..{until} -> {filtered}", file=sys.stderr)
    cmd = _parallax_command() + ["ingest", str(filtered), "--db", str(Path(db).resolve()), "--quiet"]
    # run outside the checkout: `python -m` puts the working directory first on sys.path, which would pick
    # a half-restructured ./parallax over the PYTHONPATH one this process sees
    proc = subprocess.run(cmd, check=False, env=os.environ.copy(), cwd=OUT_DIR)
    if proc.returncode:
        raise SetupError(f"`{' '.join(cmd)}` failed ({proc.returncode}); is parallax importable?")


def _parallax_command() -> list[str]:
    """How to run the Parallax CLI in this environment, whatever the package layout."""
    import importlib.util
    for module, is_package in (("parallax.__main__", False), ("parallax.cli.__main__", False),
                               ("parallax.cli", False)):
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, AttributeError, ValueError):
            continue
        if spec is not None and bool(spec.submodule_search_locations) == is_package:
            return [sys.executable, "-m", module.removesuffix(".__main__")]
    script = Path(sys.executable).with_name("parallax")
    if script.exists():
        return [str(script)]
    raise SetupError("cannot find the Parallax CLI (no parallax.__main__, parallax.cli or `parallax` "
                     "script); set PYTHONPATH to a Parallax checkout, e.g. PYTHONPATH=/tmp/px_snapshot")


def _stored_sentences(conn: sqlite3.Connection, pk: int, revision: int, text: str):
    row = conn.execute("SELECT revision, data FROM analyses WHERE article_pk = ?", (pk,)).fetchone()
    if not row or row[0] != revision:
        return None
    try:
        data = json.loads(zlib.decompress(row[1]))
    except (zlib.error, ValueError, TypeError):
        return None
    sents = [(int(s["start"]), int(s["end"])) for s in data.get("sentences", [])]
    if any(not (0 <= a < b <= len(text)) for a, b in sents):
        return None
    return sents


def load_units(db: Path, verify: bool = False) -> list[dict]:
    if not Path(db).exists():
        raise SetupError(f"no corpus database at {db} (build one with --build RAW_DIR)")
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    splitter = None
    units, missing, mismatched = [], [], []
    for order, (slug, part, posts) in enumerate(STORIES, 1):
        for channel, message_ids in posts.items():
            for mid in message_ids:
                row = conn.execute("SELECT pk, revision, text, outlet, published FROM articles WHERE ext_id = ?",
                                   (f"{channel}/{mid}",)).fetchone()
                if row is None:
                    missing.append(f"{slug}: {channel}/{mid}")
                    continue
                pk, revision, text, outlet, published = row
                sents = _stored_sentences(conn, pk, revision, text)
                if sents is None or verify:
                    splitter = splitter or _split_sentences()
                    fresh = [(s.start, s.end) for s in splitter(text)]
                    if sents is not None and fresh != sents:
                        mismatched.append(f"{slug}: {channel}/{mid}")
                    sents = sents if sents is not None else fresh
                for i, (a, b) in enumerate(sents):
                    units.append({"story": slug, "part": part, "order": order, "channel": channel,
                                  "message_id": mid, "outlet": outlet, "published": published,
                                  "index": i, "start": a, "end": b, "text": text[a:b],
                                  "check": check_string(text[a:b])})
    if missing:
        raise SetupError("posts not in the corpus: " + ", ".join(missing))
    if mismatched:
        print("warning: stored sentences differ from the current splitter for " + ", ".join(mismatched),
              file=sys.stderr)
    units.sort(key=lambda u: (u["order"], u["published"], u["channel"], u["message_id"], u["start"]))
    return units


def check_string(unit_text: str) -> str:
    return unit_text[:CHECK_CHARS].replace("\t", " ").replace("\n", " ")


def dump(units: list[dict], out_dir: Path) -> None:
    out = out_dir / "units"
    out.mkdir(parents=True, exist_ok=True)
    cols = ["story", "part", "channel", "message_id", "start", "end", "check", "outlet", "published", "text"]
    with open(out / "units.tsv", "w", encoding="utf-8") as f:
        f.write("\t".join(cols) + "\n")
        f.writelines("\t".join(str(u[c]).replace("\t", " ") for c in cols) + "\n" for u in units)
    by_story: dict[str, list[dict]] = {}
    for u in units:
        by_story.setdefault(u["story"], []).append(u)
    for slug, items in by_story.items():
        lines, post = [], None
        for u in items:
            if (u["channel"], u["message_id"]) != post:
                post = (u["channel"], u["message_id"])
                lines.append(f"\n=== {u['outlet']} [{u['channel']}/{u['message_id']}] {u['published']}")
            lines.append(f"{u['channel']}/{u['message_id']}:{u['start']}-{u['end']}\t{u['text']}")
        (out / f"{slug}.txt").write_text("\n".join(lines).lstrip() + "\n", encoding="utf-8")
    print(f"{len(units)} units of {len(by_story)} stories -> {out}", file=sys.stderr)


# ---- checking a labelled file ---------------------------------------------------------------------------

LABEL_COLUMNS = ["story", "part", "channel", "message_id", "start", "end", "check", "fact", "also",
                 "furniture", "note"]


def check_labels(tsv: Path, units: list[dict]) -> int:
    problems = []
    with open(tsv, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    if rows[0] != LABEL_COLUMNS:
        problems.append(f"header is {rows[0]}, expected {LABEL_COLUMNS}")
    want = {(u["story"], u["channel"], str(u["message_id"]), str(u["start"]), str(u["end"])): u for u in units}
    seen = set()
    for n, r in enumerate(rows[1:], 2):
        if len(r) != len(LABEL_COLUMNS):
            problems.append(f"line {n}: {len(r)} columns")
            continue
        rec = dict(zip(LABEL_COLUMNS, r))
        key = (rec["story"], rec["channel"], rec["message_id"], rec["start"], rec["end"])
        u = want.get(key)
        if u is None:
            problems.append(f"line {n}: no such unit {key}")
            continue
        if key in seen:
            problems.append(f"line {n}: unit labelled twice {key}")
        seen.add(key)
        if rec["check"] != u["check"]:
            problems.append(f"line {n}: check {rec['check']!r} != {u['check']!r}")
        if rec["part"] != u["part"]:
            problems.append(f"line {n}: part {rec['part']} != {u['part']}")
        if rec["furniture"] not in ("0", "1"):
            problems.append(f"line {n}: furniture must be 0/1")
        if rec["furniture"] == "1" and rec["fact"] != "-":
            problems.append(f"line {n}: furniture with a fact")
        if rec["fact"] != "-" and not (rec["fact"].startswith("f") and rec["fact"][1:].isdigit()):
            problems.append(f"line {n}: bad fact id {rec['fact']!r}")
        for extra in filter(None, rec["also"].split(",")) if rec["also"] != "-" else []:
            if not (extra.startswith("f") and extra[1:].isdigit()):
                problems.append(f"line {n}: bad also id {extra!r}")
    for key in want.keys() - seen:
        problems.append(f"unit not labelled: {key}")
    for p in problems[:50]:
        print(p, file=sys.stderr)
    print(f"{tsv}: {len(rows) - 1} rows, {len(want)} units, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"corpus database (default {DEFAULT_DB})")
    ap.add_argument("--build", type=Path, metavar="RAW_DIR",
                    help="first ingest the news channels of RAW_DIR (*_messages.json) into --db")
    ap.add_argument("--out", type=Path, default=OUT_DIR, help=f"units go to OUT/units (default {OUT_DIR})")
    ap.add_argument("--verify", action="store_true",
                    help="also re-split every post with the current splitter and report differences")
    ap.add_argument("--check", type=Path, metavar="TSV", help="check a labelled TSV instead of dumping")
    args = ap.parse_args(argv)
    try:
        if args.build:
            build_corpus(args.build, args.db)
        units = load_units(args.db, verify=args.verify)
        if args.check:
            return check_labels(args.check, units)
        dump(units, args.out)
    except SetupError as exc:
        print(f"claim_facts_extract: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
