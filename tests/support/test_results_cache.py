"""Reading a results cache once, and comparing a re-run with it by the one tolerance rule."""

import json
import math

import pytest

from lnlib.support import results_cache


def test_numbers_agree_within_the_stated_rule_and_nan_agrees_with_nan():
    assert results_cache.numbers_agree(1.0, 1.0 + 0.9e-5)  # 6 significant digits rounded the other way
    assert not results_cache.numbers_agree(1.0, 1.0 + 2e-5)
    assert results_cache.numbers_agree(0.0, 5e-10) and not results_cache.numbers_agree(0.0, 5e-9)
    assert results_cache.numbers_agree(math.nan, math.nan)
    assert not results_cache.numbers_agree(math.nan, 1.0) and not results_cache.numbers_agree(1.0, math.nan)


def test_differences_walks_nested_results_and_says_where_they_disagree():
    stored = {"x": [1.0, math.nan, 3], "y": {"z": "text"}, "wall_time": 1.0, "n": None}
    same = {"x": [1.0 + 1e-9, math.nan, 3.0], "y": {"z": "text"}, "wall_time": 9.0, "n": None}
    assert results_cache.differences(stored, same) == []  # wall time ignored, 3 and 3.0 the same number
    changed = json.loads(json.dumps(same).replace("text", "other"))
    changed["x"][0] = 1.1
    assert results_cache.differences(stored, changed) == [
        ".x[0]: stored 1.0, regenerated 1.1",
        ".y.z: stored 'text', regenerated 'other'",
    ]
    assert results_cache.differences([1.0], [1.0, 2.0]) == [": 1 values stored, 2 regenerated"]
    assert results_cache.differences({"x": 1}, {"y": 1}) == [
        ".x: only in the stored results",
        ".y: only in the regenerated results",
    ]


def test_a_cache_file_is_read_once_and_a_missing_one_names_its_command(tmp_path):
    path = tmp_path / "cache.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    first = results_cache.read(path, "make it")
    path.write_text('{"a": 2}', encoding="utf-8")
    assert results_cache.read(path, "make it") is first
    results_cache.forget()
    assert results_cache.read(path, "make it") == {"a": 2}
    with pytest.raises(FileNotFoundError, match="run `python -m lnlib cache x`"):
        results_cache.read(tmp_path / "missing.json", "python -m lnlib cache x")


def test_a_cache_made_here_can_be_compared_number_by_number_and_one_made_elsewhere_cannot():
    here = results_cache.machine()
    assert {"torch", "cpu_capability", "cpu", "vector_extensions"} <= set(here)
    assert results_cache.other_machine(here) == ""
    elsewhere = {**here, "cpu_capability": "NOT" + here["cpu_capability"]}
    assert "cpu_capability" in results_cache.other_machine(elsewhere)
    assert "does not say" in results_cache.other_machine(None)


def test_shape_only_comparison_ignores_numbers_but_not_keys_lengths_or_words():
    stored = {"loss": [1.0, 2.0], "norm": "layer"}
    assert results_cache.differences(stored, {"loss": [1.5, 9.0], "norm": "layer"}, numbers=False) == []
    assert results_cache.differences(stored, {"loss": [1.5], "norm": "layer"}, numbers=False)
    assert results_cache.differences(stored, {"loss": [1.0, 2.0], "norm": "batch"}, numbers=False)


def test_the_live_note_says_whether_a_run_retraced_its_cache_and_why_not():
    here = results_cache.machine()
    exact = results_cache.retrace_note([1.0, 0.5], [1.0, 0.5 + 1e-7], here, "cmd")
    assert "retraced the cached run exactly" in exact
    other = results_cache.retrace_note([1.0, 0.5], [1.0, 0.6], {**here, "cpu": "another"}, "cmd")
    assert "another machine" in other and "cpu" in other
    changed = results_cache.retrace_note([1.0, 0.5], [1.0, 0.6], here, "python -m lnlib cache x")
    assert "the code changed" in changed and "python -m lnlib cache x" in changed


def test_writing_a_cache_makes_its_folder_writes_compact_json_and_is_read_anew(tmp_path):
    path = tmp_path / "new" / "cache.json"
    results_cache.write(path, {"runs": [1, 2], "about": "first"})
    assert path.read_text(encoding="utf-8") == '{"runs":[1,2],"about":"first"}\n'
    assert results_cache.read(path, "make it")["about"] == "first"
    results_cache.write(path, {"about": "second"})
    assert results_cache.read(path, "make it") == {"about": "second"}
