"""The Markov-chain task: a proper chain, its known losses, and seeded, well-formed (padded) batches."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnlib.transformer import toy_task


@given(vocab_size=st.integers(3, 40), successors=st.integers(1, 6), seed=st.integers(0, 1000))
@settings(max_examples=30, deadline=None)
def test_every_token_has_the_stated_number_of_equally_likely_successors(vocab_size, successors, seed):
    successors = min(successors, vocab_size - 1)
    chain = toy_task.markov_chain(vocab_size, successors, seed)
    # each row: exactly `successors` entries of 1/successors, summing to 1 (to 1e-12)
    assert ((chain.transition > 0).sum(axis=1) == successors).all()
    assert np.allclose(chain.transition[chain.transition > 0], 1 / successors)
    assert np.allclose(chain.transition.sum(axis=1), 1, atol=1e-12)
    # the stationary distribution is a distribution and is left unchanged by one step: π P = π
    assert chain.stationary.min() >= 0 and math.isclose(chain.stationary.sum(), 1, abs_tol=1e-12)
    assert np.allclose(chain.stationary @ chain.transition, chain.stationary, atol=1e-10)


def test_known_losses_order_optimum_below_unigram_below_chance():
    chain = toy_task.markov_chain(64, 4, seed=0)
    assert chain.best_loss == pytest.approx(math.log(4))  # 1.386
    assert chain.chance_loss == pytest.approx(math.log(64))  # 4.159
    # uneven token frequencies: knowing them helps a little, but far less than knowing the chain
    assert chain.best_loss + 2 < chain.unigram_loss < chain.chance_loss
    assert chain.pad_id == 64


def test_samples_follow_the_chain_and_the_true_chain_scores_the_optimum():
    chain = toy_task.markov_chain(64, 4, seed=0)
    batch = toy_task.sample_batch(chain, 500, 20, np.random.default_rng(0))
    pairs = chain.transition[batch.tokens[:, :-1], batch.tokens[:, 1:]]
    assert (pairs > 0).all(), "every step must be one of the token's successors"
    assert toy_task.chain_cross_entropy(chain, batch) == pytest.approx(chain.best_loss, abs=1e-12)
    # first tokens are drawn from π: their histogram is close to it (total variation below 0.15 for 500 draws)
    first = np.bincount(batch.tokens[:, 0], minlength=64) / 500
    assert 0.5 * np.abs(first - chain.stationary).sum() < 0.15
    # all successors of a token are about equally frequent (each ≈ 1/4)
    following = batch.tokens[:, 1:][batch.tokens[:, :-1] == 5]
    counts = np.unique(following, return_counts=True)[1] / len(following)
    assert len(counts) == 4 and np.abs(counts - 0.25).max() < 0.12


def test_batches_are_seeded():
    chain = toy_task.markov_chain()
    a = toy_task.sample_batch(chain, 8, 16, np.random.default_rng(3), min_length=4)
    b = toy_task.sample_batch(chain, 8, 16, np.random.default_rng(3), min_length=4)
    c = toy_task.sample_batch(chain, 8, 16, np.random.default_rng(4), min_length=4)
    assert np.array_equal(a.tokens, b.tokens) and np.array_equal(a.mask, b.mask)
    assert not np.array_equal(a.tokens, c.tokens)
    assert toy_task.markov_chain(seed=1).transition.tolist() != chain.transition.tolist()


def test_padded_batches_are_right_padded_with_the_pad_token():
    chain = toy_task.markov_chain()
    batch = toy_task.sample_batch(chain, 300, 16, np.random.default_rng(0), min_length=4)
    lengths = batch.mask.sum(axis=1)
    assert lengths.min() == 4 and lengths.max() == 16, "lengths span [min_length, length]"
    # right padding: each row is real tokens, then padding (mask never turns back on)
    assert (np.diff(batch.mask.astype(int), axis=1) <= 0).all()
    assert (batch.tokens[~batch.mask] == chain.pad_id).all()
    assert (batch.tokens[batch.mask] < chain.vocab_size).all()
    assert batch.has_padding
    assert not toy_task.sample_batch(chain, 4, 16, np.random.default_rng(0)).has_padding
    # the real tokens still follow the chain
    real_pairs = batch.mask[:, 1:]
    assert (chain.transition[batch.tokens[:, :-1][real_pairs], batch.tokens[:, 1:][real_pairs]] > 0).all()


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"vocab_size": 1}, "vocab_size"),
        ({"vocab_size": 8, "successors": 8}, "successors"),
        ({"successors": 0}, "successors"),
        ({"vocab_size": 8.0}, "vocab_size"),
    ],
)
def test_bad_chain_arguments_say_what_is_wrong(arguments, message):
    with pytest.raises(ValueError, match=message):
        toy_task.markov_chain(**arguments)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"batch_size": 0, "length": 16}, "batch_size"),
        ({"batch_size": 4, "length": 1}, "length"),
        ({"batch_size": 4, "length": 16, "min_length": 17}, "min_length"),
        ({"batch_size": 4, "length": 16, "min_length": 1}, "min_length"),
    ],
)
def test_bad_batch_arguments_say_what_is_wrong(arguments, message):
    with pytest.raises(ValueError, match=message):
        toy_task.sample_batch(toy_task.markov_chain(), rng=np.random.default_rng(0), **arguments)
