"""Checkers of Part 7 · 02 (amortised posteriors): independent right answers pass; generic wrong
answers and each listed Mistake are rejected with their hint."""

import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import amortised_posteriors as ex
from wrong_answers import KINDS, generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def kl_by_loop(log_p, log_q):  # another route: the sums written out per observation
    n, m = np.shape(log_p)
    kl, se = [], []
    for i in range(m):
        d = [float(log_p[s][i]) - float(log_q[s][i]) for s in range(n)]
        mean = sum(d) / n
        kl.append(mean)
        se.append((sum((v - mean) ** 2 for v in d) / (n - 1) / n) ** 0.5)
    return np.array(kl), np.array(se)


def moments_by_library(A, b, noise_cov, prior_mean, prior_cov, x):  # another route: gf's GaussianPosterior
    post = gf.conditional_data.GaussianPosterior(np.asarray(prior_mean), np.asarray(prior_cov), np.asarray(A),
                                                 np.asarray(b), np.asarray(noise_cov))
    return np.asarray(post.mean(np.asarray(x, float))), np.asarray(post.covariance)


def test_right_answers_pass(capsys):
    ex.check_kl_per_observation(kl_by_loop)
    ex.check_posterior_moments(moments_by_library)
    assert capsys.readouterr().out.count("Correct") == 2


def unpacked(packed_answer):
    """(mean, cov) from an answer that returns them packed as rows [mean; cov]."""
    def answer(*a):
        out = np.asarray(packed_answer(*a))
        return (out[0], out[1:]) if out.ndim == 2 else (out, out)
    return answer


@pytest.mark.parametrize("k", range(len(KINDS)), ids=KINDS)
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_kl_per_observation(generic_wrong(kl_by_loop)[k])
    with pytest.raises(ExerciseError):
        ex.check_posterior_moments(unpacked(generic_wrong(lambda *a: ex._pack(*moments_by_library(*a)))[k]))


@pytest.mark.parametrize("mistake", ex.KL_MISTAKES, ids=lambda m: m.hint[:25])
def test_kl_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_kl_per_observation(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.MOMENT_MISTAKES, ids=lambda m: m.hint[:25])
def test_moment_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_posterior_moments(unpacked(mistake.answer))
    assert mistake.hint in str(info.value)


def test_mistakes_differ_from_the_right_answer():
    for mistakes, reference, inputs in [(ex.KL_MISTAKES, ex._kl, ex._kl_inputs()),
                                        (ex.MOMENT_MISTAKES, ex._reference, ex._moment_inputs())]:
        for mistake in mistakes:
            assert any(not np.allclose(mistake.answer(*i), reference(*i), rtol=1e-4) for i in inputs), mistake.hint
