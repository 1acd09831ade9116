"""Layer norm's geometry for n = 3: x̂ on the circle where the sphere of radius √3 meets the plane ⟂ (1, 1, 1)."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lnlib.nb01_formulas_step_by_step import geometry

triples = st.lists(st.floats(-50, 50, allow_nan=False), min_size=3, max_size=3)


@settings(max_examples=80, deadline=None)
@given(triples)
def test_x_hat_lies_on_the_circle_and_below_the_bound(x):
    parts = geometry.decompose(x)
    if parts["variance"] < 1e-6:
        return
    assert abs(parts["x_hat height"]) < 1e-9  # in the plane of mean 0
    expected = math.sqrt(3 * parts["variance"] / (parts["variance"] + geometry.EPS))
    assert parts["radius"] == pytest.approx(expected, rel=1e-9)  # on the sphere of radius √3, up to ε
    assert np.max(np.abs(parts["x_hat"])) <= math.sqrt(2) + 1e-12
    # the drawn coordinates are an isometry of the plane
    assert np.linalg.norm(parts["x_hat plane"]) == pytest.approx(parts["radius"], rel=1e-9)
    # x̂ is the deviation, slid along its ray
    np.testing.assert_allclose(
        parts["x_hat plane"] * np.linalg.norm(parts["deviation plane"]) / parts["radius"],
        parts["deviation plane"],
        atol=1e-7,
    )
    torch_x_hat = torch.nn.functional.layer_norm(torch.tensor(x, dtype=torch.float64), (3,), eps=geometry.EPS)
    np.testing.assert_allclose(parts["x_hat"], torch_x_hat.numpy(), atol=1e-12)


def test_height_is_root_three_times_the_mean():
    parts = geometry.decompose([1.0, 2.0, 4.5])
    assert parts["height"] == pytest.approx(math.sqrt(3) * 2.5)
    with pytest.raises(ValueError, match="3 values"):
        geometry.decompose([1.0, 2.0])


def test_the_app_states_the_numbers_it_draws():
    app = geometry.GeometryApp()
    note = app.note.value
    assert "μ = 2.5" in note and "4.3301 = √3·μ" in note and "|x̂| = 1.732047" in note
    assert "largest |x̂ᵢ| is 1.3587" in note
    for i in range(1, 4):
        app.controls[f"x{i}"].value = 2.0
    assert app.status == "ok" and "All three values are equal" in app.note.value
