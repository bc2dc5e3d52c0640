"""Ensembles: flows stacked along a leading member axis, and the numbers reported over them.

:func:`~gauss_flows.fit_ensemble` trains :math:`S` flows of one architecture as one pytree whose
every array leaf has a leading axis of length :math:`S` (one member per seed). A comparison
then reports, for a quantity :math:`v_s` measured on each member, its mean and standard error

.. math::  \\bar v = \\frac1S\\sum_s v_s, \\qquad
           \\mathrm{SE} = \\frac{1}{\\sqrt S}\\sqrt{\\frac{1}{S-1}\\sum_s (v_s - \\bar v)^2},

and calls two settings different only when their means are more than about two standard errors
apart.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import numpy as np

__all__ = ["n_members", "member", "mean_se"]


def n_members(stacked) -> int:
    """The length :math:`S` of the leading member axis (of the first array leaf)."""
    leaves = [leaf for leaf in jax.tree_util.tree_leaves(stacked) if eqx.is_array(leaf)]
    if not leaves or leaves[0].ndim == 0:
        raise ValueError("n_members expects flows stacked along a leading member axis (built with "
                         "eqx.filter_vmap over keys, or returned by fit_ensemble).")
    return int(leaves[0].shape[0])


def member(stacked, i: int):
    """Member ``i`` of flows stacked along a leading axis: an ordinary flow."""
    count = n_members(stacked)
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not -count <= i < count:
        raise ValueError(f"member expects an integer index in [0, {count}) for {count} members, got {i!r}.")
    return jax.tree_util.tree_map(lambda leaf: leaf[i] if eqx.is_array(leaf) else leaf, stacked)


def mean_se(values, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error (sample standard deviation over :math:`\\sqrt S`) along ``axis``.

    Returns two floats for a 1-D input, arrays of the remaining shape otherwise.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 0 or values.shape[axis] < 2:
        raise ValueError(f"mean_se needs at least two values along axis {axis}, got shape {values.shape}.")
    mean = values.mean(axis=axis)
    se = values.std(axis=axis, ddof=1) / math.sqrt(values.shape[axis])
    if mean.ndim == 0:
        return float(mean), float(se)
    return mean, se
