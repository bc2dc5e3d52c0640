"""Part 5 · 01 checkers: each accepts correct answers and rejects plausible wrong ones with the right hint."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.special import ndtri
from jax.scipy.stats import norm

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import bijector_menu as bm

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


# ------------------------------------------------------------ Exercise 1: parameter budgets
def budget(K, H, k):
    return [2, 3 * K, 3 * H, 3 * (k + 1) - 1]


def test_budget_reference_is_the_library_and_accepts_the_formula(capsys):
    # the reference reads the templates; the closed forms must agree with it (and with couplings)
    for K, H, k in bm.BUDGET_INPUTS:
        np.testing.assert_array_equal(bm._conditioner_outputs(K, H, k), budget(K, H, k))
    coupling = gf.Coupling(jax.random.key(0), shape=(2,), transformer=gf.MixtureGaussianCDF(5),
                           nn_width=4, nn_depth=1)
    assert coupling.conditioner(jnp.zeros(1)).shape == (15,)
    bm.check_conditioner_outputs(budget)
    assert capsys.readouterr().out.startswith("Correct: the whole menu")
    bm.check_conditioner_outputs(lambda K, H, k: np.array(budget(K, H, k), dtype=np.int64))


@pytest.mark.parametrize("entry, wrong, hint", [
    (3, lambda K, H, k: 3 * k, "INTERIOR knots"),
    (3, lambda K, H, k: 3 * k - 1, "Durkan"),
    (3, lambda K, H, k: 3 * k + 4, "fixed to 1"),
    (1, lambda K, H, k: 2 * K, "also needs its weights"),
    (1, lambda K, H, k: 3 * K - 1, "shift-invariant"),
    (2, lambda K, H, k: 2 * H, "mixing"),
    (0, lambda K, H, k: 1, "TWO numbers"),
])
def test_budget_rejects_wrong_counts(entry, wrong, hint):
    def student(K, H, k):
        out = budget(K, H, k)
        out[entry] = wrong(K, H, k)
        return out

    rejects(bm.check_conditioner_outputs, student, hint)


def test_budget_rejects_wrong_shapes_and_unknown_counts():
    rejects(bm.check_conditioner_outputs, lambda K, H, k: budget(K, H, k)[:3], "four numbers")
    rejects(bm.check_conditioner_outputs, lambda K, H, k: None, "return")
    # a count with no known story still gets the numbers
    rejects(bm.check_conditioner_outputs, lambda K, H, k: [2, 3 * K, 5 * H, 3 * k + 2], "deep sigmoid")


def test_budget_stub_passes_through():
    def stub(K, H, k):
        raise NotImplementedError("Exercise 1: write conditioner_outputs")

    with pytest.raises(NotImplementedError):
        bm.check_conditioner_outputs(stub)


# ---------------------------------------------------------------- Exercise 2: affine inverse
def affine_inverse(y, shift, log_scale):
    return (y - shift) * np.exp(-log_scale), -log_scale


def test_affine_inverse_accepts_the_library_and_a_tuple(capsys):
    bm.check_affine_inverse(affine_inverse)
    assert capsys.readouterr().out.startswith("Correct")

    def library(y, shift, log_scale):  # the library's own Affine, parameters set by hand
        b = eqx.tree_at(lambda a: (a.shift, a.log_scale), gf.Affine(),
                        (jnp.asarray(shift, dtype=float), jnp.asarray(log_scale, dtype=float)))
        x, log_det = b.inverse_and_log_det(jnp.asarray(y, dtype=float))
        return jnp.stack([x, log_det])

    bm.check_affine_inverse(library)


@pytest.mark.parametrize("wrong, hint", [
    (lambda y, b, s: ((y - b) * np.exp(-s), s), "wrong sign"),
    (lambda y, b, s: (np.exp(s) * y + b, s), "forward map"),
    (lambda y, b, s: (np.exp(-s) * y - b, -s), "Subtract b BEFORE"),
    (lambda y, b, s: ((y - b) * np.exp(s), -s), "multiplied by the scale"),
    (lambda y, b, s: ((y - b) * np.exp(-s), -np.exp(s)), "is a LOG"),
    (lambda y, b, s: (y - b) * np.exp(-s), "shape"),
])
def test_affine_inverse_rejects_wrong_answers(wrong, hint):
    rejects(bm.check_affine_inverse, wrong, hint)


# ---------------------------------------------------------- Exercise 3: mixture-CDF log-det
def mixture_log_det_jax(x, weights, means, scales):
    """Independent solution: autodiff of z(x) = Phi^-1(F(x)) in jnp (float64 in the tests)."""
    def z(x):
        return ndtri(jnp.sum(weights * norm.cdf((x - means) / scales)))

    return jnp.log(jax.grad(z)(jnp.asarray(x, dtype=float)))


def test_mixture_reference_agrees_with_the_library():
    for x, w, m, s in bm.MIXTURE_INPUTS:
        bijector = gf.MixtureGaussianCDF.from_mixture(jnp.asarray(w), jnp.asarray(m), jnp.asarray(s))
        _, log_det = bijector.transform_and_log_det(jnp.asarray(x))
        assert abs(float(log_det) - bm._mixture_cdf_log_det(x, w, m, s)) < 1e-10


def test_mixture_accepts_independent_solutions(capsys):
    bm.check_mixture_cdf_log_det(mixture_log_det_jax)
    assert capsys.readouterr().out.startswith("Correct: `mixture_cdf_log_det`")

    def library(x, weights, means, scales):
        bijector = gf.MixtureGaussianCDF.from_mixture(weights, means, scales)
        return bijector.transform_and_log_det(jnp.asarray(x, dtype=float))[1]

    bm.check_mixture_cdf_log_det(library)


def _log_f(x, w, m, s):
    return np.log(np.sum(w * np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))))


def _z(x, w, m, s):
    from scipy.special import ndtr
    return float(ndtri(np.sum(w * ndtr((x - m) / s))))


def _log_phi(u):
    return -0.5 * u**2 - 0.5 * np.log(2 * np.pi)


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, w, m, s: _log_f(x, w, m, s), "subtract log phi"),
    (lambda x, w, m, s: _log_f(x, w, m, s) + _log_phi(_z(x, w, m, s)), "wrong sign"),
    (lambda x, w, m, s: _log_f(x, w, m, s) - _log_phi(x), "at the OUTPUT"),
    (lambda x, w, m, s: _log_f(x, w, m, s) + np.log(np.sum(w * np.exp(-0.5 * ((x - m) / s) ** 2)))
     - np.log(np.sum(w * np.exp(-0.5 * ((x - m) / s) ** 2) / s)) - _log_phi(_z(x, w, m, s)), "1/sigma_k"),
    (lambda x, w, m, s: np.exp(_log_f(x, w, m, s) - _log_phi(_z(x, w, m, s))), "exp of the answer"),
])
def test_mixture_rejects_wrong_answers(wrong, hint):
    rejects(bm.check_mixture_cdf_log_det, wrong, hint)
