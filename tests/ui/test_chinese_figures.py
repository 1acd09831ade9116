"""Chinese in figures: the CJK font comes from a PyPI package and no glyph is left as an empty box."""

import logging
import subprocess
import sys
import warnings

import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg

from lnlib.ui import style


def _render(text: str) -> np.ndarray:
    figure, axes = style.new_figure(4, 1.5)
    axes.set_axis_off()
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=30)
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
    assert style.cjk_font_name() == "Noto Sans CJK SC"
    assert any("mplfonts" in font.fname for font in font_manager.fontManager.ttflist)


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
    assert "mplfonts" in output.stdout


def test_a_missing_glyph_is_an_error_in_the_tests():
    """pyproject.toml turns matplotlib's missing-glyph warning into an error in every test."""
    import pytest

    figure, axes = style.new_figure(2, 1)
    axes.set_title("\U0001f9ea")  # a test tube: in neither font
    with pytest.raises(UserWarning, match="missing from font"):
        FigureCanvasAgg(figure).draw()
