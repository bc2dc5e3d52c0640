"""The generic wrong answers every checker must reject, built from the right answer.

``generic_wrong(reference)`` returns six functions with the reference's signature: zeros of
the right shape, the sign flipped, a small bias (+0.01), a factor, noise of the right shape,
and one of the arguments handed back unchanged. Each checker's test module runs them; the
registry test (test_checkers_generic.py) runs its own list on every checker of the book.
"""

from __future__ import annotations

import numpy as np

KINDS = ("zeros", "sign flipped", "small bias", "factor", "noise", "input returned")


def generic_wrong(reference, *, returned: int = -1, factor: float = 1.1) -> list:
    """Six wrong versions of ``reference`` (in the order of ``KINDS``); ``returned`` is the index
    of the argument the last one hands back, ``factor`` the scale of the fourth."""
    rng = np.random.default_rng(0)

    def right(*a):
        return np.asarray(reference(*a))

    return [lambda *a: np.zeros_like(right(*a)), lambda *a: -right(*a), lambda *a: right(*a) + 0.01,
            lambda *a: factor * right(*a), lambda *a: rng.normal(size=np.shape(right(*a))),
            lambda *a: a[returned]]
