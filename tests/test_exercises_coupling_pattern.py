"""Part 5 · 00 checkers: accept correct affine couplings, name the mistake in wrong ones."""

import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import coupling_pattern as cp


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


# ------------------------------------------------------------------ independent correct answers
def forward_gather(x, mask, conditioner):
    """Index-based, as the library does it: gather the active entries, scatter them back."""
    x = np.asarray(x, dtype=float)
    s, t = conditioner(np.where(mask, 0.0, x))
    z = x.copy()
    z[mask] = x[mask] * np.exp(s[mask]) + t[mask]
    return z, float(np.sum(s[mask]))


def forward_jax(x, mask, conditioner):
    s, t = conditioner(jnp.where(mask, 0.0, x))
    return jnp.where(mask, x * jnp.exp(s) + t, x), jnp.sum(jnp.where(mask, s, 0.0))


def inverse_gather(z, mask, conditioner):
    z = np.asarray(z, dtype=float)
    s, t = conditioner(np.where(mask, 0.0, z))
    x = z.copy()
    x[mask] = (z[mask] - t[mask]) / np.exp(s[mask])
    return x, -float(np.sum(s[mask]))


def test_forward_accepts_correct_answers(capsys):
    cp.check_affine_coupling_forward(forward_gather)
    assert "Correct: `z = affine_coupling_forward(...)[0]`" in capsys.readouterr().out
    cp.check_affine_coupling_forward(forward_jax)
    assert "Correct: `log_det" in capsys.readouterr().out


def test_inverse_accepts_correct_answers(capsys):
    cp.check_affine_coupling_inverse(inverse_gather)
    out = capsys.readouterr().out
    assert "Correct: `x = affine_coupling_inverse(...)[0]`" in out
    assert "Round trip" in out


def test_the_reference_is_a_coupling():
    """The checker's reference really copies the passive part and inverts exactly."""
    for x, mask in cp.INPUTS:
        z, log_det = cp._forward(x, mask)
        assert np.array_equal(z[~mask], x[~mask])
        x_back, inverse_log_det = cp._inverse(z, mask)
        np.testing.assert_allclose(x_back, x, atol=1e-12)
        assert inverse_log_det == pytest.approx(-log_det)
    # the conditioner depends on every input, so reading an active entry would show
    base = np.array([0.3, -0.2, 0.5, 1.0])
    for i in range(cp.D):
        bumped = base.copy()
        bumped[i] += 0.5
        assert not np.allclose(cp.CONDITIONER(bumped)[0], cp.CONDITIONER(base)[0])


# ------------------------------------------------------------------ wrong forward answers
def _with(z_of, log_det_of):
    def answer(x, mask, conditioner):
        m = np.asarray(mask, dtype=float)
        s, t = conditioner(np.where(mask, 0.0, x))
        return z_of(x, m, s, t, conditioner), log_det_of(m, s)
    return answer


RIGHT_Z = lambda x, m, s, t, c: (1 - m) * x + m * (x * np.exp(s) + t)  # noqa: E731
RIGHT_LD = lambda m, s: np.sum(m * s)  # noqa: E731


@pytest.mark.parametrize("z_of, hint", [
    (lambda x, m, s, t, c: x * np.exp(s) + t, "transformed EVERY coordinate"),
    (lambda x, m, s, t, c: (1 - m) * x + m * (x * np.exp(-s) + t), r"exp\(-s\)"),
    (lambda x, m, s, t, c: (1 - m) * x + m * (x * np.exp(c(x)[0]) + c(x)[1]), "read the ACTIVE"),
    (lambda x, m, s, t, c: m * x + (1 - m) * (x * np.exp(s) + t), "Active and passive are swapped"),
    (lambda x, m, s, t, c: (1 - m) * x + m * x * np.exp(s), "shift t is missing"),
    (lambda x, m, s, t, c: (1 - m) * x + m * (x - t) * np.exp(-s), "INVERSE map"),
], ids=["passive-transformed", "exp-minus-s", "reads-active", "mask-swapped", "no-shift", "inverse"])
def test_forward_rejects_wrong_z(z_of, hint):
    rejects(cp.check_affine_coupling_forward, _with(z_of, RIGHT_LD), hint)


@pytest.mark.parametrize("log_det_of, hint", [
    (lambda m, s: -np.sum(m * s), "wrong SIGN"),
    (lambda m, s: np.sum(s), "over ALL coordinates"),
    (lambda m, s: np.sum((1 - m) * s), "PASSIVE coordinates"),
    (lambda m, s: np.exp(np.sum(m * s)), "determinant itself"),
    (lambda m, s: np.prod(np.exp(m * s)) * 0 + np.sum(m * s) + 0.5, "off by the same constant"),
], ids=["sign", "all-coordinates", "passive", "det-not-log", "constant"])
def test_forward_rejects_wrong_log_det(log_det_of, hint):
    rejects(cp.check_affine_coupling_forward, _with(RIGHT_Z, log_det_of), hint)


def test_forward_rejects_bad_return_values():
    rejects(cp.check_affine_coupling_forward, lambda x, mask, c: None, "forget the `return`")
    rejects(cp.check_affine_coupling_forward, lambda x, mask, c: x, "should return a pair")
    rejects(cp.check_affine_coupling_forward, lambda x, mask, c: (x[:2], 0.0), "shape")


def test_student_stub_passes_through():
    def stub(x, mask, conditioner):
        raise NotImplementedError("Exercise 1: write affine_coupling_forward")
    with pytest.raises(NotImplementedError):
        cp.check_affine_coupling_forward(stub)


# ------------------------------------------------------------------ wrong inverse answers
def _inv_with(x_of, log_det_of):
    def answer(z, mask, conditioner):
        m = np.asarray(mask, dtype=float)
        s, t = conditioner(np.where(mask, 0.0, z))
        return x_of(z, m, s, t, conditioner), log_det_of(m, s)
    return answer


RIGHT_X = lambda z, m, s, t, c: (1 - m) * z + m * (z - t) * np.exp(-s)  # noqa: E731
RIGHT_INV_LD = lambda m, s: -np.sum(m * s)  # noqa: E731


@pytest.mark.parametrize("x_of, hint", [
    (lambda z, m, s, t, c: (1 - m) * z + m * (z * np.exp(-s) - t), "wrong order"),
    (lambda z, m, s, t, c: (1 - m) * z + m * (z - t) * np.exp(s), r"exp\(\+s\)"),
    (lambda z, m, s, t, c: (1 - m) * z + m * (z - c(z)[1]) * np.exp(-c(z)[0]), "read the active"),
    (lambda z, m, s, t, c: (z - t) * np.exp(-s), "un-transformed EVERY"),
    (lambda z, m, s, t, c: (1 - m) * z + m * (z * np.exp(s) + t), "INVERSE map"),
], ids=["order", "exp-plus", "reads-active", "passive-too", "forward-instead"])
def test_inverse_rejects_wrong_x(x_of, hint):
    rejects(cp.check_affine_coupling_inverse, _inv_with(x_of, RIGHT_INV_LD), hint)


@pytest.mark.parametrize("log_det_of, hint", [
    (lambda m, s: np.sum(m * s), "FORWARD log-det"),
    (lambda m, s: -np.sum(s), "over ALL coordinates"),
], ids=["forward-log-det", "all-coordinates"])
def test_inverse_rejects_wrong_log_det(log_det_of, hint):
    rejects(cp.check_affine_coupling_inverse, _inv_with(RIGHT_X, log_det_of), hint)
