"""Checkers of Part 3 · 02 (which rotation): references pass, plausible mistakes get their hint."""

import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows import diagnostics as dg
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import which_rotation as ex
from gauss_flows.course.explorers.which_rotation import layers_needed


def by_loop(tc_x, curve, fraction):
    left = tc_x
    for k, r in enumerate(curve, start=1):
        left -= r
        if left <= fraction * tc_x + 1e-12:
            return k
    return None


def test_layers_needed_accepts_two_answers(capsys):
    ex.check_layers_needed(layers_needed)
    ex.check_layers_needed(by_loop)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("mistake", ex.NEEDED_MISTAKES, ids=lambda m: m.hint[:20])
def test_layers_needed_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_layers_needed(mistake.answer)
    assert mistake.hint in str(info.value)


def test_layers_needed_other_wrong():
    with pytest.raises(ExerciseError, match="whole number"):
        ex.check_layers_needed(lambda t, c, f: 1.5)
    with pytest.raises(ExerciseError):  # strict < instead of <=: differs where it lands exactly
        ex.check_layers_needed(lambda t, c, f: 3)


def test_toy_tc(capsys):
    ex.check_toy_total_correlation(ex._tc)
    ex.check_toy_total_correlation(lambda x, s: float(sum(dg.marginal_entropy(jnp.asarray(x)[:, i])
                                                          for i in range(x.shape[1]))
                                                      - np.log(2 * np.sqrt(3)) * len(s) - np.sum(np.log(s))))
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("mistake", ex.TOY_MISTAKES, ids=lambda m: m.hint[:20])
def test_toy_tc_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_toy_total_correlation(mistake.answer)
    assert mistake.hint in str(info.value)


def test_toy_tc_sign():
    with pytest.raises(ExerciseError, match="SIGN"):
        ex.check_toy_total_correlation(lambda x, s: -ex._tc(x, s))
