"""Checkers of Part 7 · 02 (amortised posteriors): independent right answers pass; generic wrong
answers and each listed Mistake are rejected with their hint."""

import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import amortised_posteriors as ex

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


def wrong(reference, change):
    return lambda *a: tuple(change(np.asarray(v), a) for v in reference(*a))


CHANGES = [lambda v, a: 0 * v, lambda v, a: -v, lambda v, a: v + 0.01, lambda v, a: 1.1 * v,
           lambda v, a: np.random.default_rng(0).normal(size=v.shape)]


@pytest.mark.parametrize("k", range(len(CHANGES)))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_kl_per_observation(wrong(kl_by_loop, CHANGES[k]))
    with pytest.raises(ExerciseError):
        ex.check_posterior_moments(wrong(moments_by_library, CHANGES[k]))
    with pytest.raises(ExerciseError):
        ex.check_posterior_moments(lambda *a: a[0])        # the input returned


@pytest.mark.parametrize("mistake", ex.KL_MISTAKES, ids=lambda m: m.hint[:25])
def test_kl_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_kl_per_observation(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.MOMENT_MISTAKES, ids=lambda m: m.hint[:25])
def test_moment_mistakes(mistake):
    unpacked = lambda *a: (mistake.answer(*a)[0], mistake.answer(*a)[1:])  # noqa: E731
    with pytest.raises(ExerciseError) as info:
        ex.check_posterior_moments(unpacked)
    assert mistake.hint in str(info.value)


def test_mistakes_differ_from_the_right_answer():
    for mistakes, reference, inputs in [(ex.KL_MISTAKES, ex._kl, ex._kl_inputs()),
                                        (ex.MOMENT_MISTAKES, ex._reference, ex._moment_inputs())]:
        for mistake in mistakes:
            assert any(not np.allclose(mistake.answer(*i), reference(*i), rtol=1e-4) for i in inputs), mistake.hint
