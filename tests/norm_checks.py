"""Checks shared by the tests of lnlib.functional and lnlib.nn: inputs that cannot hide a missing step,
agreement with torch to a stated bound, finite differences, and module pairs with the same parameters."""

import numpy as np
import torch

# float32: a few units in the last place of values of order 1; float64: rounding only.
TOLERANCE = {
    np.dtype(np.float32): 2e-5,
    np.dtype(np.float64): 1e-12,
    torch.float32: 2e-5,
    torch.float64: 1e-12,
}


def random_input(rng, shape, dtype, scale=3.0, shift=2.0):
    """Non-trivial values: a scale and shift far from 0 and 1, so that a missing step cannot hide."""
    return (rng.standard_normal(shape) * scale + shift).astype(dtype)


def assert_array_close(ours, theirs, dtype):
    """A NumPy result against torch's (or NumPy's), in ``dtype``, within TOLERANCE."""
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.dtype == np.dtype(dtype) and ours.shape == theirs.shape
    difference = np.max(np.abs(ours - theirs)) if ours.size else 0.0
    bound = TOLERANCE[np.dtype(dtype)]
    assert difference <= bound, f"max difference {difference:.3g} above {bound:g}"


def assert_tensor_close(ours, theirs):
    """Two tensors of one dtype and shape within TOLERANCE (NaN equal to NaN); integer tensors equal."""
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    if ours.is_floating_point():
        torch.testing.assert_close(ours, theirs, atol=TOLERANCE[ours.dtype], rtol=0, equal_nan=True)
    else:
        assert torch.equal(ours, theirs)


def relative_error(a, b):
    """cs231n's measure: max |a − b| / max(|a| + |b|), elementwise."""
    return np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)))


def numerical_gradient(function, array, grad_out, h=1e-6):
    """Central differences of sum(function() · grad_out) with respect to each entry of ``array`` (in place)."""
    gradient = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + h
        plus = np.sum(function() * grad_out)
        array[index] = original - h
        minus = np.sum(function() * grad_out)
        array[index] = original
        gradient[index] = (plus - minus) / (2 * h)
    return gradient


def module_pair(ours_class, torch_class, dtype=torch.float32, seed=0, **kwargs):
    """Ours and torch's module with the same non-trivial parameters (not the initial ones and zeros)."""
    ours, theirs = ours_class(dtype=dtype, **kwargs), torch_class(dtype=dtype, **kwargs)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in ours.parameters():
            parameter.copy_(torch.rand(parameter.shape, generator=generator, dtype=dtype) + 0.5)
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs


def assert_every_public_name_has_passing_examples(module):
    """Every name of ``module.__all__`` has an Examples section, and every example runs and passes (doctest)."""
    import doctest

    tested = {test.name.rsplit(".", 1)[-1] for test in doctest.DocTestFinder().find(module) if test.examples}
    assert set(module.__all__) <= tested, f"no Examples for {sorted(set(module.__all__) - tested)}"
    results = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert results.failed == 0 and results.attempted >= len(module.__all__)
