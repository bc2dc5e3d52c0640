"""Checkers of Part 0 · 01: each accepts the reference and an independent correct answer and
rejects plausible wrong answers with the hint that names the mistake."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import composition as ex

jax.config.update("jax_enable_x64", True)


# ---- exercise 1: layer_log_dets
def test_layer_log_dets_accepts_reference_and_a_chain_based_answer(capsys):
    ex.check_layer_log_dets(ex._layer_log_dets)
    import gauss_flows as gf

    def via_prefix_chains(layers, x):  # independent: differences of growing chains
        totals = [0.0] + [float(gf.Chain(layers[:k]).transform_and_log_det(x)[1])
                          for k in range(1, len(layers) + 1)]
        return np.diff(totals)

    ex.check_layer_log_dets(via_prefix_chains)
    assert "a rotation adds 0" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (ex._all_at_start, "ORIGINAL point"),
    (ex._cumulative, "running sum"),
    (ex._reversed, "reverse order"),
    (lambda layers, x: -ex._layer_log_dets(layers, x), "SIGN"),
    (lambda layers, x: ex._layer_log_dets(layers, x).sum(), "shape"),
])
def test_layer_log_dets_rejects(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_layer_log_dets(wrong)


# ---- exercise 2: autodiff_log_det
def test_autodiff_accepts_reference_and_jacrev(capsys):
    ex.check_autodiff_log_det(ex._autodiff_log_det)
    ex.check_autodiff_log_det(
        lambda f, x: np.log(np.abs(np.linalg.det(np.asarray(jax.jacrev(f)(jnp.asarray(x)))))))
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("wrong, hint", [
    (ex._diagonal_only, "diagonal"),
    (ex._log_of_trace, "trace"),
    (lambda f, x: jnp.log(jnp.linalg.det(jax.jacfwd(f)(x))), "not finite"),
    (lambda f, x: jnp.linalg.det(jax.jacfwd(f)(x)), "det J itself"),
    (lambda f, x: -ex._autodiff_log_det(f, x), "SIGN"),
])
def test_autodiff_rejects(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_autodiff_log_det(wrong)
