"""Checkers for Part 12 · 02, squeeze and multi-scale.

A multi-scale flow with ``n_levels`` scales on a channels-last image ``(h, w, c)``
(``gf.multiscale_flow``): scale :math:`l < L-1` receives :math:`(h_l, w_l, c_l)`, squeezes it to
:math:`(h_l/2, w_l/2, 4c_l)` and factors out the FIRST :math:`2c_l` channels; the other
:math:`2c_l` channels are scale :math:`l+1`'s input, :math:`(h_{l+1}, w_{l+1}, c_{l+1}) =
(h_l/2, w_l/2, 2c_l)`. The last scale keeps everything it receives.

Exercise 1: ``numbers_received(shape, n_levels)`` -> ``(n_levels,)`` integers, the number of
coordinates scale :math:`l` receives, :math:`h_l w_l c_l = hwc / 2^l`.

Exercise 2: ``latent_level_map(shape, n_levels)`` -> integers of shape ``(h, w, c)``: the scale
at which each coordinate's latent leaves the flow, in the image's own layout (what
``MultiScale.latent_levels`` returns).
"""

from __future__ import annotations

import numpy as np

from gauss_flows import Squeeze, depth_to_space
from gauss_flows.course.exercises.core import Mistake, call_student, check_function, fail

__all__ = ["check_numbers_received", "check_latent_level_map"]

#: (image shape, number of scales) the checkers try: one and several scales, several channels,
#: non-square images, and a last scale of one pixel.
INPUTS = [((8, 8, 1), 3), ((8, 8, 1), 1), ((16, 16, 3), 4), ((4, 8, 2), 2), ((8, 8, 1), 4), ((32, 32, 3), 3)]


def scale_shapes(shape, n_levels: int) -> list[tuple[int, int, int]]:
    """The shape each scale receives, finest first (the squeeze's ``output_shape`` with half of
    its channels kept)."""
    shapes = [tuple(shape)]
    for _ in range(n_levels - 1):
        h, w, c4 = Squeeze(shapes[-1]).output_shape
        shapes.append((h, w, c4 // 2))
    return shapes


def numbers_received(shape, n_levels: int) -> np.ndarray:
    """Exercise 1's answer: :math:`h_l w_l c_l` for each scale."""
    return np.array([int(np.prod(s)) for s in scale_shapes(shape, n_levels)])


def latent_level_map(shape, n_levels: int) -> np.ndarray:
    """Exercise 2's answer: level 0 for the first half of the squeezed channels, the next scale's
    map (shifted by one) in the second half, put back in the image layout."""
    if n_levels == 1:
        return np.zeros(tuple(shape), dtype=int)
    h, w, c4 = Squeeze(shape).output_shape
    inner = 1 + latent_level_map((h, w, c4 // 2), n_levels - 1)
    return depth_to_space(np.concatenate([np.zeros((h, w, c4 // 2), dtype=int), inner], axis=-1))


RECEIVED_MISTAKES = [
    Mistake(lambda shape, n: np.prod(shape) // 8 ** np.arange(n),
            "Each scale hands on an eighth of what it received: did you forget that the squeeze "
            "multiplies the channels by 4? (h, w, c) becomes (h/2, w/2, 4c), all the numbers kept; "
            "factoring out half of those channels leaves (h/2, w/2, 2c): HALF go on."),
    Mistake(lambda shape, n: np.prod(shape) // 4 ** np.arange(n),
            "Each scale hands on a quarter of what it received: a squeeze to (h/2, w/2, 4c) loses no "
            "number, and only half of the channels (2c of 4c) are factored out; half go on."),
    Mistake(lambda shape, n: np.full(n, np.prod(shape)),
            "Every scale receives the whole image: you squeezed but never factored out. Half of the "
            "squeezed channels leave as latents at each scale, and only the other half go on."),
    Mistake(lambda shape, n: np.prod(shape) // 2 ** np.arange(1, n + 1),
            "Shifted by one scale: the first scale receives the whole image (h w c numbers); you gave "
            "what each scale hands ON to the next."),
    Mistake(lambda shape, n: np.bincount(latent_level_map(shape, n).ravel(), minlength=n),
            "Those are the latents that LEAVE at each scale (the last scale keeps all it receives); "
            "the exercise asks how many numbers each scale RECEIVES."),
]


def check_numbers_received(numbers_received_fn) -> None:
    """Exercise 1: ``numbers_received(shape, n_levels)`` -> ``(n_levels,)`` counts."""
    check_function(numbers_received_fn, numbers_received, INPUTS, name="numbers_received", exercise=1,
                   mistakes=RECEIVED_MISTAKES)


def _last_half_factored(shape, n_levels):
    """Factoring out the LAST 2c channels of the squeezed image instead of the first."""
    if n_levels == 1:
        return np.zeros(tuple(shape), dtype=int)
    h, w, c4 = Squeeze(shape).output_shape
    inner = 1 + _last_half_factored((h, w, c4 // 2), n_levels - 1)
    return depth_to_space(np.concatenate([inner, np.zeros((h, w, c4 // 2), dtype=int)], axis=-1))


def _one_split_only(shape, n_levels):
    """Level 0 for the first half, every other coordinate at level 1: the recursion forgotten."""
    if n_levels == 1:
        return np.zeros(tuple(shape), dtype=int)
    h, w, c4 = Squeeze(shape).output_shape
    return depth_to_space(np.concatenate([np.zeros((h, w, c4 // 2), int), np.ones((h, w, c4 // 2), int)], -1))


MAP_MISTAKES = [
    Mistake(_last_half_factored,
            "You factored out the LAST half of the squeezed channels. gf.MultiScale (like RealNVP) "
            "factors out the FIRST 2c channels, y[..., :2c], and hands y[..., 2c:] on."),
    Mistake(lambda shape, n: (n - 1) - latent_level_map(shape, n),
            "The levels are numbered backwards: scale 0 is the FINEST scale, the first one the image "
            "meets, and its latents leave first."),
    Mistake(_one_split_only,
            "Only the first split is right: the channels that go on are squeezed and split again at "
            "every scale, so the second half needs the next scale's own map (plus one)."),
]


def check_latent_level_map(latent_level_map_fn) -> None:
    """Exercise 2: ``latent_level_map(shape, n_levels)`` -> ``(h, w, c)`` integers."""
    if callable(latent_level_map_fn):
        shape, n = INPUTS[0]
        out = np.asarray(call_student(latent_level_map_fn, shape, n, exercise=2,
                                      call=f"latent_level_map({shape}, {n})"))
        squeezed = Squeeze(shape).output_shape
        if out.shape == squeezed:
            raise fail(2, f"`latent_level_map({shape}, {n})` has the squeezed shape {squeezed}: put the "
                          f"levels back in the image layout {shape} with gf.depth_to_space.")
    check_function(latent_level_map_fn, latent_level_map, INPUTS, name="latent_level_map", exercise=2,
                   mistakes=MAP_MISTAKES)
