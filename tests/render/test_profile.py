"""The outlet profile page and its plots (drawn by parallax.render.plots)."""
from parallax.render.plots import stacked_horizontal_bars
from parallax.render.profile import plot_omissions, plot_source_mix, plot_tone, profile_html

PROFILE = {
    "outlet": "<b>Вести</b>", "articles": 3, "stories": 2, "first": "2024-11-27T10:00:00+00:00", "last": None,
    "contested_terms": [{"term": "СВО", "concept": "the war", "label": "war-euphemism", "count": 2,
                         "by_month": {"2024-11": 2}, "by_week": {"2024-W47": 1, "2024-W48": 1}}],
    "sources": {"kinds": {"state_agency": 3, "official": 1}, "top": [{"source": "ТАСС", "kind": "state_agency",
                                                                      "count": 3}]},
    "tone": [{"entity": "Иванов", "positive": 1, "neutral": 2, "negative": 0}],
    "omissions": [{"kind": "casualties", "count": 2, "examples": [{"text": "погибли двое", "reported_by": ["A"]}]}],
    "omission_summary": {"stories": 1, "majority_facts": 3, "reported": 1, "omitted": 2},
}


def test_stacked_horizontal_bars_are_svg_or_png():
    svg = stacked_horizontal_bars(["<script>x</script>", "B"], {"a": [1, 2], "b": [0, 0]}, "Mix", xmax=3)
    assert svg.startswith("<svg") and "&lt;script&gt;" in svg and "<script" not in svg
    png = stacked_horizontal_bars(["A"], {"a": [1]}, "Mix", fmt="png")
    assert png.startswith(b"\x89PNG")
    assert stacked_horizontal_bars(["A"], {"a": [0]}, "Mix") is None


def test_profile_plots():
    assert plot_source_mix([PROFILE, dict(PROFILE, outlet="Другое")]).count("<svg") == 1
    assert plot_source_mix([PROFILE], fmt="png").startswith(b"\x89PNG")
    assert plot_tone(PROFILE).startswith("<svg")
    assert plot_omissions(dict(PROFILE, omissions=[])) is None


def test_profile_page_is_self_contained_and_escaped():
    page = profile_html(PROFILE)
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert "<b>Вести</b>" not in page and "&lt;b&gt;Вести&lt;/b&gt;" in page
    assert page.count("<svg") == 4 and "<script" not in page
