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
