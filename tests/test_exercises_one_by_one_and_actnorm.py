"""Checkers of Part 2 · 03: LU log-det by hand, the log-det of a 1x1 convolution."""

import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import one_by_one_and_actnorm as ex


def _lu(W):
    _, _, U = scipy.linalg.lu(W)
    return np.sum(np.log(np.abs(np.diag(U))))


def _qr(W):  # independent: |det W| = |det R| for W = QR
    return float(jnp.sum(jnp.log(jnp.abs(jnp.diag(jnp.linalg.qr(jnp.asarray(W))[1])))))


def test_lu_accepts(capsys):
    ex.check_lu_log_det(_lu)
    ex.check_lu_log_det(_qr)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda W: np.sum(np.log(np.diag(scipy.linalg.lu(W)[2]))), "negative diagonal"),
    (lambda W: np.sum(np.log(np.abs(np.diag(W)))), "diagonal of W"),
    (lambda W: np.prod(np.diag(scipy.linalg.lu(W)[2])), "product"),
    (lambda W: 0.0, "diagonal of L"),
    (lambda W: np.linalg.det(W), "lu_log_det"),
])
@pytest.mark.filterwarnings("ignore:.*encountered in log:RuntimeWarning")  # the wrong answers take log 0
def test_lu_rejects(wrong, hint):
    with pytest.raises(ExerciseError) as err:
        ex.check_lu_log_det(wrong)
    assert hint in str(err.value)


def test_conv_accepts(capsys):
    ex.check_conv1x1_log_det(lambda W, h, w: h * w * np.linalg.slogdet(W)[1])
    ex.check_conv1x1_log_det(lambda W, h, w: sum(_lu(W) for _ in range(h * w)))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda W, h, w: np.linalg.slogdet(W)[1], "ONE pixel"),
    (lambda W, h, w: (h + w) * np.linalg.slogdet(W)[1], "TIMES"),
    (lambda W, h, w: h * w * len(W) * np.linalg.slogdet(W)[1], "factor C"),
    (lambda W, h, w: h * w * np.log(np.abs(np.prod(np.diag(W)))), "diagonal of W"),
])
@pytest.mark.filterwarnings("ignore:.*encountered in log:RuntimeWarning")
def test_conv_rejects(wrong, hint):
    with pytest.raises(ExerciseError) as err:
        ex.check_conv1x1_log_det(wrong)
    assert hint in str(err.value)
