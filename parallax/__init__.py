"""Parallax: one news event through every outlet that covered it."""
__version__ = "0.1.0"

# Bumped whenever analysis output changes, so stored analyses are recomputed.
ANALYZER_VERSION = "2"   # 2: emoji apart from words, ё-folded names, agency aliases, roles (session 4)
