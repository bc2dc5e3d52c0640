"""Part 5 · 02 checkers: each accepts the reference and rejects plausible wrong answers with the right hint."""

import math

import equinox as eqx
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import conditioner_design as cd

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


def layers(n_in, n_out, width, depth):
    return [n_in] + [width] * depth + [n_out]


def count(n_p, n_a, p, w, L, bias=True):
    sizes = layers(n_p, n_a * p, w, L)
    return sum((a + bias) * b for a, b in zip(sizes[:-1], sizes[1:]))


# ---------------------------------------------------------------- Exercise 1
def test_reference_counts_are_real_couplings():
    # the shape-only count equals count_parameters of a coupling built for real
    real = gf.Coupling(jr.key(0), shape=(3,), transformer=gf.MixtureGaussianCDF(n_components=3),
                       mask=np.array([False, False, True]), nn_width=5, nn_depth=2)
    assert cd.coupling_parameters(2, 1, 9, 5, 2) == gf.count_parameters(real) == count(2, 1, 9, 5, 2)
    assert cd.coupling_parameters(1, 1, 2, 32, 2) == 1186  # the number printed in Part 5 · 01
    for args in cd.PARAMETER_INPUTS:
        assert cd.coupling_parameters(*args) == count(*args)


def test_parameters_accepts_the_formula(capsys):
    cd.check_conditioner_parameters(count)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda n_p, n_a, p, w, L: count(n_p, n_a, p, w, L, bias=False), "BIAS"),
    (lambda n_p, n_a, p, w, L: count(n_p, 1, p, w, L), "EVERY active"),
    (lambda n_p, n_a, p, w, L: n_a * count(n_p, n_a, p, w, L), "ONE shared MLP"),
    (lambda n_p, n_a, p, w, L: count(n_p + n_a, n_a, p, w, L), "PASSIVE"),
    (lambda n_p, n_a, p, w, L: count(n_p, n_a, p, w, L + 1), "too many"),
    (lambda n_p, n_a, p, w, L: count(n_p, n_a, p, w, L) + 1, r"not right yet for input \(1, 1, 2, 32, 2\)"),
    (lambda n_p, n_a, p, w, L: None, "return"),
])
def test_parameters_rejects(wrong, hint):
    rejects(cd.check_conditioner_parameters, wrong, hint)


# ---------------------------------------------------------------- Exercise 2
def heads(n_p, n_a, p, w, L):
    budget = count(n_p, n_a, p, w, L)
    return max(v for v in range(1, 10 * w) if n_a * count(n_p, 1, p, v, L) <= budget)


def test_heads_reference_and_accepts(capsys):
    assert cd._heads_width(1, 1, 2, 32, 2) == 32  # one active coordinate: a head IS the shared MLP
    assert [cd._heads_width(*a) for a in cd.HEADS_INPUTS] == [heads(*a) for a in cd.HEADS_INPUTS]
    cd.check_heads_width(heads)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda n_p, n_a, p, w, L: max(v for v in range(1, 10 * w) if count(n_p, 1, p, v, L)
                                   <= count(n_p, n_a, p, w, L)), "ONE head"),
    (lambda n_p, n_a, p, w, L: max(v for v in range(1, 10 * w) if n_a * count(n_p, n_a, p, v, L)
                                   <= count(n_p, n_a, p, w, L)), "ITS coordinate"),
    (lambda n_p, n_a, p, w, L: w // n_a, "a guess"),
    (lambda n_p, n_a, p, w, L: heads(n_p, n_a, p, w, L) + 1, "One too wide"),
    (lambda n_p, n_a, p, w, L: float(w), "not right yet"),
])
def test_heads_rejects(wrong, hint):
    rejects(cd.check_heads_width, wrong, hint)


# ---------------------------------------------------------------- Exercise 3
def test_soft_bound_accepts_and_matches_the_library(capsys):
    cd.check_soft_bound(lambda s, B: B * np.tanh(s / B))
    assert "Correct" in capsys.readouterr().out
    layer = gf.Affine(log_scale_bound=2.0)  # the reference is the library's formula
    s = np.array(3.7)
    layer = eqx.tree_at(lambda a: a.log_scale, layer, layer.log_scale + s)
    assert math.isclose(float(layer.effective_log_scale()), float(cd._soft_bound(s, 2.0)), rel_tol=1e-12)


@pytest.mark.parametrize("wrong, hint", [
    (lambda s, B: B * np.tanh(s), "did not divide the argument"),
    (lambda s, B: np.tanh(s / B), "did not multiply the result"),
    (lambda s, B: np.clip(s, -B, B), "hard clip"),
    (lambda s, B: np.tanh(s), "approach"),
    (lambda s, B: 2 * B / np.pi * np.arctan(np.pi * np.asarray(s) / (2 * B)), "not the library's"),
    (lambda s, B: float(B * math.tanh(float(np.ravel(s)[0]) / B)), "elementwise"),
])
def test_soft_bound_rejects(wrong, hint):
    rejects(cd.check_soft_bound, wrong, hint)


def test_not_implemented_stub_passes_through():
    def stub(*args):
        raise NotImplementedError("Exercise 1")

    for check in (cd.check_conditioner_parameters, cd.check_heads_width, cd.check_soft_bound):
        with pytest.raises(NotImplementedError):
            check(stub)
