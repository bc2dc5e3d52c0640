"""The book's colour code survives the common colour-vision deficiencies.

Each role colour of ``gauss_flows.presentation.style`` is passed through the Machado, Oliveira
& Fernandes (2009) simulation of protan, deutan and tritan vision at full severity
(colorspacious), and the perceptual distance between every two roles (CAM02-UCS Delta E) is
measured. The passive/active pair, which carries the coupling layer's whole story, must stay
far apart (>= 30) for every reader; any two roles must stay distinguishable (>= 10, about
where side-by-side swatches stop being confused). Colour is also never the only cue: mask
cells read A/P, and lines differ in style; that is tested with the explorers.
"""

from __future__ import annotations

import itertools

import colorspacious  # in requirements.txt: a missing package fails, never skips
import numpy as np
import pytest

from gauss_flows.presentation import style

ROLES = ("PASSIVE", "ACTIVE", "DATA", "MODEL", "ACCENT")
VISION = (None, "protanomaly", "deuteranomaly", "tritanomaly")


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)]) / 255.0


def _seen(colour: np.ndarray, vision: str | None) -> np.ndarray:
    if vision is None:
        return colour
    space = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
    return np.clip(colorspacious.cspace_convert(colour, space, "sRGB1"), 0, 1)


def _distance(a, b) -> float:
    return float(colorspacious.deltaE(a, b, input_space="sRGB1"))


@pytest.mark.parametrize("vision", VISION, ids=lambda v: v or "typical")
def test_role_colours_stay_apart(vision):
    seen = {role: _seen(_rgb(getattr(style, role)), vision) for role in ROLES}
    assert _distance(seen["PASSIVE"], seen["ACTIVE"]) >= 30, "passive and active look alike"
    close = {f"{a}/{b}": round(_distance(seen[a], seen[b]), 1)
             for a, b in itertools.combinations(ROLES, 2) if _distance(seen[a], seen[b]) < 10}
    assert not close, f"role colours too close for {vision or 'typical'} vision: {close}"


def test_the_simulation_can_fail():
    """Red and green, the classic confusion, are flagged under deutan vision."""
    red, green = _rgb("#D62728"), _rgb("#2CA02C")
    assert _distance(red, green) > 30
    assert _distance(_seen(red, "deuteranomaly"), _seen(green, "deuteranomaly")) < 15
