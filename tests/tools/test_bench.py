"""The benchmark command runs and reports ratios against torch measured in the same run (no time is asserted)."""

import pytest

import lnlib.__main__ as command_line
from lnlib.tools import bench


def test_norm_benchmark_reports_every_implementation_as_a_ratio_to_torch(monkeypatch):
    monkeypatch.setattr(bench, "SHAPES", [(8, 16), (4, 6, 5)])
    rows = bench.bench_norms(rounds=3)
    implementations = {"torch.nn.functional", "lnlib.functional (NumPy)", "lnlib.nn (from scratch)"}
    assert {row[2] for row in rows} == implementations
    # layer, batch and group norm at both shapes; instance norm only where there are positions
    assert [(row[0], row[1]) for row in rows[:: len(implementations)]] == [
        ("layer_norm", "8×16"),
        ("layer_norm", "4×6×5"),
        ("batch_norm", "8×16"),
        ("batch_norm", "4×6×5"),
        ("group_norm", "8×16"),
        ("group_norm", "4×6×5"),
        ("instance_norm", "4×6×5"),
    ]
    for _kind, _shape, name, forward_ms, backward_ms, forward_ratio, backward_ratio in rows:
        assert forward_ms > 0 and backward_ms > 0
        if name == "torch.nn.functional":
            assert forward_ratio == backward_ratio == 1.0
        else:
            assert forward_ratio > 0 and backward_ratio > 0


def test_unknown_section_is_refused_with_the_list_of_sections(capsys):
    with pytest.raises(SystemExit):
        command_line.main(["bench", "nonsense"])
    assert "invalid choice: 'nonsense' (choose from 'norms', 'sliders'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown section 'nonsense'; choose from norms"):
        bench.run(["nonsense"])


def test_language_benchmark_moves_the_same_controls_of_an_english_and_a_chinese_app_in_turns(monkeypatch):
    from lnlib.nb00_start_here.tour import FirstSlider
    from lnlib.support import language

    built = []
    original_start = FirstSlider.start

    def recording_start(self, *args, **kwargs):
        original_start(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(FirstSlider, "start", recording_start)
    seconds = bench._slider_seconds(FirstSlider, rounds=2)
    english, chinese = built
    # every value of both controls, there and back, twice: the same moves in each language
    moves = 2 * sum(2 * len(ui_values) for ui_values in _values(english))
    assert len(seconds["en"]) == len(seconds["zh"]) == moves
    assert all(s > 0 for s in seconds["en"] + seconds["zh"])
    # each app answered in its own language, and the process's language is given back afterwards
    assert "layer norm removes the input's scale" in english.note.value
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.note.value)
    assert language._chosen is None


def _values(app):
    from lnlib import ui

    return [ui.control_values(control, count=9) for control in app.controls.values()]
