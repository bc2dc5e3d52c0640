"""Checkers of Part 7 · 00 (three ways to condition): independent right answers pass; generic wrong
answers and each listed Mistake are rejected with their hint."""

import equinox as eqx
import jax.random as jr
import numpy as np
import pytest
from scipy.stats import norm

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import three_ways_to_condition as ex
from wrong_answers import generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def added_by_building(mechanism, d, k, n_layers, width, depth, hyper_width):
    # another route: build both flows for real and count their arrays (no formula at all)
    def count(**conditional):
        flow = gf.coupling_flow(jr.key(1), shape=(d,), transformer=gf.Affine(), n_layers=n_layers,
                                nn_width=width, nn_depth=depth, hyper_width=hyper_width, **conditional)
        return sum(leaf.size for leaf in __import__("jax").tree_util.tree_leaves(eqx.filter(flow, eqx.is_inexact_array)))
    return count(condition_shape=(k,), conditioning=mechanism) - count()


def affine_by_scipy(x, c, W, b):
    out = np.asarray(W) @ np.asarray(c) + np.asarray(b)
    d = np.size(x)
    return float(norm(out[:d], np.exp(out[d:])).logpdf(x).sum())   # x ~ N(mu, e^{2s}) coordinate-wise


def test_right_answers_pass(capsys):
    ex.check_parameters_added(added_by_building)
    ex.check_conditional_affine_log_prob(affine_by_scipy)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_parameters_added(generic_wrong(ex._reference)[k])
    with pytest.raises(ExerciseError):
        ex.check_conditional_affine_log_prob(generic_wrong(affine_by_scipy)[k])


def test_messages_name_the_call():
    with pytest.raises(ExerciseError, match="hypernetwork"):
        ex.check_parameters_added(lambda m, *a: ex._reference(m, *a) if m != "hypernetwork" else 7)


@pytest.mark.parametrize("mistake", ex.ADDED_MISTAKES, ids=lambda m: m.hint[:25])
def test_added_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_parameters_added(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.AFFINE_MISTAKES, ids=lambda m: m.hint[:25])
def test_affine_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_conditional_affine_log_prob(mistake.answer)
    assert mistake.hint in str(info.value)


def test_unknown_mechanism_is_refused():
    with pytest.raises(ValueError, match="mechanism"):
        ex._reference("concatenate", 2, 1, 2, 4, 1, 2)
