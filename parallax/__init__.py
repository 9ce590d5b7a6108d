"""Parallax: one news event through every outlet that covered it."""
__version__ = "0.1.0"

# Bumped whenever analysis output changes, so stored analyses are recomputed.
# 4: English NER, quotes and attributions (session 6); 3: Ukrainian lemmas, normal forms and dates
# (session 5); 2: emoji, ё-folded names (session 4)
ANALYZER_VERSION = "4"
