"""Part 4 · 02 checkers: log-likelihood against parameter count, bits per dimension."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import diagonal_vs_coupling as dc

jax.config.update("jax_enable_x64", True)


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


def table_reference(flows, x):
    return np.array([[gf.count_parameters(f), float(jnp.mean(f.log_prob(x)))] for f in flows])


def table_by_hand(flows, x):
    """Independent: count the trainable leaves through gf.trainable, a python loop for the mean."""
    rows = []
    for flow in flows:
        params = eqx.filter(flow, gf.trainable(flow))
        count = sum(leaf.size for leaf in jax.tree_util.tree_leaves(params))
        values = [float(flow.log_prob(row)) for row in np.asarray(x)]
        rows.append((count, sum(values) / len(values)))
    return rows


def test_table_accepts_correct_answers(capsys):
    dc.check_loglik_vs_params(table_reference)
    dc.check_loglik_vs_params(table_by_hand)
    assert capsys.readouterr().out.count("Correct") == 2


def all_leaves(flows, x):
    return np.array([[sum(l.size for l in jax.tree_util.tree_leaves(eqx.filter(f, eqx.is_inexact_array))),
                      float(jnp.mean(f.log_prob(x)))] for f in flows])


@pytest.mark.parametrize("answer, hint", [
    (all_leaves, "frozen"),
    (lambda flows, x: table_reference(flows, x) * np.array([1, -1]), "not the NLL"),
    (lambda flows, x: np.array([[gf.count_parameters(f), float(jnp.sum(f.log_prob(x)))] for f in flows]),
     "MEAN"),
    (lambda flows, x: table_reference(flows, x)[:, ::-1], "swapped"),
    (lambda flows, x: table_reference(flows, x)[:, 1], "shape"),
])
def test_table_rejects_wrong_answers(answer, hint):
    rejects(dc.check_loglik_vs_params, answer, hint)


def test_bits_accepts_correct_answers(capsys):
    dc.check_bits_per_dim(lambda ll, d: -ll / d / np.log(2))
    dc.check_bits_per_dim(lambda ll, d: -np.log2(np.exp(ll)) / d)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda ll, d: -ll / np.log(2), "PER DIMENSION"),
    (lambda ll, d: -ll / d, "nats per dimension"),
    (lambda ll, d: -ll / (d * np.log(10)), "ln 10"),
    (lambda ll, d: ll / (d * np.log(2)), "SIGN"),
])
def test_bits_rejects_wrong_answers(answer, hint):
    rejects(dc.check_bits_per_dim, answer, hint)
