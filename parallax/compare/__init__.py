"""compare: the analysed articles of one story -> StoryComparison, outlet by outlet (see story.py).

    link entities -> split claims -> outlet accounts -> facts grouped across outlets -> status + conflicts
    -> align quotes -> framing -> sources -> key differences
"""
from parallax.compare.story import compare_story, entity_tokens, story_id_for

__all__ = ["compare_story", "entity_tokens", "story_id_for"]
