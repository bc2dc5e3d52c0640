"""Checkers for Part 2 · 03, 1x1 convolutions, LU and ActNorm.

Exercise 1: ``lu_log_det(W)``: :math:`\\log|\\det W|` from the LU factors of ``W``
(``scipy.linalg.lu``): :math:`\\sum_i \\log|U_{ii}|`, checked against ``slogdet``.
Exercise 2: ``conv1x1_log_det(W, height, width)``: the log-det of a 1x1 convolution with the
:math:`C \\times C` kernel ``W`` on a height x width x C image: :math:`HW\\log|\\det W|`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from gauss_flows.course.exercises.core import Mistake, check_function


def _log_det(W):
    return np.linalg.slogdet(np.asarray(W, dtype=float))[1]


_rng = np.random.default_rng(31)
LU_INPUTS = [np.eye(3), np.array([[0.0, 2.0], [3.0, 1.0]]),           # needs pivoting
             np.array([[2.0, 1.0], [1.0, -3.0]]),                     # det < 0
             _rng.normal(size=(4, 4)), 5.0 * _rng.normal(size=(5, 5)), np.diag([0.5, -2.0, 4.0])]


def _lu_u(W):
    return scipy.linalg.lu(np.asarray(W, dtype=float))[2]


LU_MISTAKES = [
    Mistake(lambda W: np.sum(np.log(np.diag(_lu_u(W)))),
            "NaN where U has a negative diagonal entry: the volume factor is |det W|, so take "
            "log|U_ii| (np.log(np.abs(...)))."),
    Mistake(lambda W: np.sum(np.log(np.abs(np.diag(W)))),
            "You used the diagonal of W itself. Only a triangular matrix has its determinant on the "
            "diagonal: factor W = P L U first and use the diagonal of U."),
    Mistake(lambda W: np.prod(np.diag(_lu_u(W))),
            "That is ±det W (the product of U's diagonal), not log|det W|: sum the logs of the absolute values."),
    Mistake(lambda W: np.sum(np.log(np.abs(np.diag(scipy.linalg.lu(np.asarray(W, dtype=float))[1])))),
            "You used the diagonal of L, which is all ones (log 0 each): in W = P L U the "
            "determinant sits on the diagonal of U."),
]


def check_lu_log_det(lu_log_det) -> None:
    """Exercise 1: ``lu_log_det(W)`` = log|det W| through the LU factors."""
    check_function(lu_log_det, _log_det, LU_INPUTS, name="lu_log_det", exercise=1,
                   mistakes=LU_MISTAKES, rtol=1e-8, atol=1e-10)


def _conv(W, h, w):
    return h * w * _log_det(W)


CONV_INPUTS = [(np.eye(3), 4, 4), (np.array([[1.0, 0.5], [0.2, 2.0]]), 2, 3),
               (_rng.normal(size=(3, 3)), 8, 8), (np.diag([2.0, 0.5, 3.0, -1.0]), 5, 7),
               (np.array([[0.0, 1.5], [2.0, 0.0]]), 1, 1)]
CONV_MISTAKES = [
    Mistake(lambda W, h, w: _log_det(W),
            "That is the log-det of the kernel at ONE pixel. The same W acts on every one of the "
            "H·W pixels, and the Jacobian is block-diagonal with H·W copies of W."),
    Mistake(lambda W, h, w: (h + w) * _log_det(W),
            "The number of pixels is height TIMES width, not height + width."),
    Mistake(lambda W, h, w: h * w * np.shape(W)[0] * _log_det(W),
            "Extra factor C: log|det W| already covers all C channels of a pixel; multiply by the "
            "number of pixels H·W only."),
    Mistake(lambda W, h, w: h * w * np.log(np.abs(np.prod(np.diag(W)))),
            "You used the diagonal of W: det W needs the whole matrix (slogdet, or LU as in Exercise 1)."),
]


def check_conv1x1_log_det(conv1x1_log_det) -> None:
    """Exercise 2: ``conv1x1_log_det(W, height, width)`` = height·width·log|det W|."""
    check_function(conv1x1_log_det, _conv, CONV_INPUTS, name="conv1x1_log_det", exercise=2,
                   mistakes=CONV_MISTAKES, rtol=1e-8, atol=1e-10)
