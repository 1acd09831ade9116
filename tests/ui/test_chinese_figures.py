"""Chinese in figures: the CJK font comes from a PyPI package and no glyph is left as an empty box."""

import logging
import subprocess
import sys
import warnings

import numpy as np
import pytest
from matplotlib import font_manager, ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg

from lnlib.ui import style


def _render(text: str, family=None) -> np.ndarray:
    """``text`` drawn in the course's style (fonts: its own, or ``family``), as RGB pixels."""
    figure, axes = style.new_figure(4, 1.5)
    axes.set_axis_off()
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=30, family=family)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def test_chinese_text_renders_with_the_packaged_font_and_no_missing_glyph(caplog):
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("error")  # matplotlib's "Glyph ... missing from font(s)" would fail here
        first, second = _render("层归一化"), _render("批归一化")
    assert not [r for r in caplog.records if "glyph" in r.getMessage().lower()]
    # two different characters draw differently: no shared empty box stands in for both
    assert (first != second).any()

    found = font_manager.findfont(font_manager.FontProperties(family=style.cjk_font_name()))
    assert found.path == str(style.cjk_font_path()), "a system font won over the packaged one"
    assert ft2font.FT2Font(found.path, face_index=found.face_index).family_name == "Noto Sans CJK SC"


def test_figures_draw_the_simplified_chinese_forms_not_the_collections_first_japanese_face():
    """直 and 骨 have other forms in Japanese: the course's figures must draw them as the SC face does."""
    style.cjk_font_path()  # registers the collection's faces, the Japanese one included
    course = _render("直骨")
    assert (course == _render("直骨", family=[style.LATIN_FONT, "Noto Sans CJK SC"])).all()
    assert (course != _render("直骨", family=[style.LATIN_FONT, "Noto Sans CJK JP"])).any()


def test_chinese_renders_on_a_machine_without_system_fonts():
    """The font comes with pip: hide every system font from matplotlib, and Chinese still renders."""
    script = """
import warnings
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
font_manager.fontManager.ttflist = [f for f in font_manager.fontManager.ttflist if "matplotlib" in f.fname]
from lnlib.ui import style
warnings.simplefilter("error")
figure, axes = style.new_figure(3, 1)
axes.set_title("层归一化与批归一化")
FigureCanvasAgg(figure).draw()
print(font_manager.findfont(font_manager.FontProperties(family=style.cjk_font_name())))
"""
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert output.returncode == 0, output.stderr
    assert output.stdout.strip() == str(style.cjk_font_path())


def test_a_missing_glyph_is_an_error_in_the_tests():
    """pyproject.toml turns matplotlib's missing-glyph warning into an error in every test."""
    figure, axes = style.new_figure(2, 1)
    axes.set_title("\U0001f9ea")  # a test tube: in neither font
    with pytest.raises(UserWarning, match="missing from font"):
        FigureCanvasAgg(figure).draw()


def test_without_the_font_package_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, style.CJK_FONT_PACKAGE, None)  # as if it were not installed
    style.cjk_font_path.cache_clear()
    try:
        with pytest.raises(ImportError, match="pip install -r requirements.txt"):
            style.cjk_font_path()
    finally:
        style.cjk_font_path.cache_clear()
