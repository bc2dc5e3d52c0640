"""Each checker accepts the reference and rejects plausible wrong answers with the right hint."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError, Mistake, check_function, check_value
from gauss_flows.course.exercises import change_of_variables as cov

LOG_2PI = np.log(2 * np.pi)

# The wrong answers below take logs of negative numbers on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def log_normal(z):
    return -0.5 * np.sum(np.square(z)) - 0.5 * np.size(z) * LOG_2PI


def cubic_inverse_by_bisection(x):
    low, high = -abs(x) - 1.0, abs(x) + 1.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if mid**3 + mid < x else (low, mid)
    return 0.5 * (low + high)


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


# ---------------------------------------------------------------- Exercise 1: cubic density
def test_cubic_accepts_independent_solutions(capsys):
    def student(x):  # another route: a numerical inverse, written independently of the reference
        z = cubic_inverse_by_bisection(x)
        return log_normal(z) - np.log(3 * z**2 + 1)

    cov.check_log_density_cubic(student)
    assert capsys.readouterr().out.startswith("Correct: `log_density_cubic`")

    def jax_student(x):  # jnp in float64 (conftest enables x64)
        s = jnp.sqrt(x**2 / 4 + 1 / 27)
        z = jnp.cbrt(x / 2 + s) + jnp.cbrt(x / 2 - s)
        return jax.scipy.stats.norm.logpdf(z) - jnp.log(3 * z**2 + 1)

    cov.check_log_density_cubic(jax_student)


def test_cubic_rejects_wrong_answers_with_the_right_hint():
    z = cubic_inverse_by_bisection
    check = cov.check_log_density_cubic
    rejects(check, lambda x: log_normal(z(x)), "no volume term")
    rejects(check, lambda x: log_normal(z(x)) + np.log(3 * z(x) ** 2 + 1), "wrong sign")
    rejects(check, lambda x: log_normal(x**3 + x) + np.log(3 * x**2 + 1), "Forward and inverse are swapped")
    rejects(check, lambda x: np.exp(log_normal(z(x)) - np.log(3 * z(x) ** 2 + 1)), "returned the density")
    rejects(check, lambda x: -0.5 * z(x) ** 2 - np.log(3 * z(x) ** 2 + 1), r"1/2 log\(2 pi\)")
    rejects(check, lambda x: log_normal(x) - np.log(3 * x**2 + 1), "right at zero but wrong everywhere")
    # forgot the square: log of a negative number
    rejects(check, lambda x: log_normal(z(x)) - np.log(3 * z(x) + 1), r"not finite for input \(-0.5\)")
    rejects(check, lambda x: np.array([1.0, 2.0]), r"shape \(2,\); expected a single number")
    rejects(check, lambda x: None, "forget the `return`")
    rejects(check, 3.0, "should be a function")


def test_stub_not_implemented_passes_through():
    def stub(x):
        raise NotImplementedError("Exercise 1: write log_density_cubic")

    with pytest.raises(NotImplementedError, match="Exercise 1"):
        cov.check_log_density_cubic(stub)


# ---------------------------------------------------------------- Exercise 2: log|det A|
def test_log_det_linear():
    cov.check_log_det_linear(lambda A: np.log(abs(A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0])))
    check = cov.check_log_det_linear
    rejects(check, lambda A: np.log(np.linalg.det(A)), r"NaN when det A < 0")
    rejects(check, lambda A: -np.log(abs(np.linalg.det(A))), "wrong SIGN")
    rejects(check, lambda A: np.linalg.det(A), "That is det A itself")
    rejects(check, lambda A: abs(np.linalg.det(A)), "returned the density \\(or the determinant\\)")
    rejects(check, lambda A: np.log(abs(A[0, 0] * A[1, 1])), "only the diagonal")
    rejects(check, lambda A: np.trace(A), "not right yet")


# ---------------------------------------------------------------- Exercise 3: density of A z + b
def test_log_density_linear():
    def student(x, A, b):
        z = np.linalg.inv(A) @ (x - b)
        return -0.5 * z @ z - LOG_2PI - np.log(abs(np.linalg.det(A)))

    cov.check_log_density_linear(student)
    check = cov.check_log_density_linear
    rejects(check, lambda x, A, b: student(x, A, b) + 2 * np.log(abs(np.linalg.det(A))), "wrong sign")
    rejects(check, lambda x, A, b: log_normal(A @ x + b) - np.log(abs(np.linalg.det(A))), "swapped")
    rejects(check, lambda x, A, b: student(x, A, np.zeros(2)), "shift b is missing")
    rejects(check, lambda x, A, b: student(x, A, b) + LOG_2PI, r"log\(2 pi\), the normalising constant of a 2-D")


# ---------------------------------------------------------------- the generic diagnoses
INPUTS = [0.0, 0.5, -1.0, 2.0]


def generic(student, **kwargs):
    check_function(student, np.sinh, INPUTS, name="f", exercise="7a", **kwargs)


def test_generic_diagnoses():
    generic(lambda x: np.sinh(x))
    rejects(generic, lambda x: 2 * np.sinh(x), r"Exercise 7a: .*FACTOR: yours / answer = 2")
    rejects(generic, lambda x: np.sinh(x) + 0.25, r"same constant everywhere: yours - answer = \+0.25")
    rejects(generic, lambda x: x, "right at zero but wrong everywhere else")
    rejects(generic, lambda x: np.sinh(x) / (x != 2.0), "not finite for input \\(2\\)")
    rejects(generic, lambda x: np.arcsinh(x), "right at zero")  # without inverse= given
    with pytest.raises(ExerciseError, match="INVERSE map: forward and inverse are swapped"):
        generic(lambda x: np.arcsinh(x), inverse=np.arcsinh)
    with pytest.raises(ExerciseError, match="raised TypeError"):
        generic(lambda x: x + "1")


def test_float32_answers_are_judged_with_float32_tolerance():
    check_function(lambda x: jnp.sinh(jnp.float32(x)), np.sinh, INPUTS, name="f")
    with pytest.raises(ExerciseError):
        check_function(lambda x: np.sinh(x) + 1e-9, np.sinh, INPUTS, name="f", atol=1e-12, rtol=1e-12)


def test_check_value_and_mistakes():
    check_value(0.5 * LOG_2PI, 0.5 * LOG_2PI, name="c")
    with pytest.raises(ExerciseError, match="you used the variance"):
        check_value(2.0, 1.0, name="sd", mistakes=[(2.0, "you used the variance")])
    with pytest.raises(ExerciseError, match="has shape"):
        check_value([1.0, 2.0], 1.0, name="sd")
    assert issubclass(ExerciseError, AssertionError)
    assert Mistake(abs, "hint").hint == "hint"
