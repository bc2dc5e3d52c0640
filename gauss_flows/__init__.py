"""gauss_flows: normalizing flows told through Gaussianization.

A small, exact flow library in JAX + equinox + optax. Everything is an
``equinox.Module``; a bijector acts on one unbatched sample (batch with ``jax.vmap``).
"""

from .bijectors import *  # noqa: F401,F403  (the bijector menu and structure layers)
from .bijectors import Bijector, check_event_shape
from . import bijectors
from .parameters import Frozen, cast, count_parameters, perturb, split_trainable, trainable

from . import made, masks
from .conditioner import HyperConditioner, MLPConditioner
from .distributions import (ConditionalNormal, Distribution, StandardNormal, Transformed,
                            jit_log_prob)
from .flows import coupling_flow, diagonal_flow, gaussianization_flow, multiscale_flow
from . import batched, calibration, conditional_data, datasets, diagnostics, information, marginal_fit
from .rbig import rbig, rbig_fit
from .training import fit, fit_ensemble, training_step
from . import coupling_equivalence, ensembles
from . import trajectory
from . import flow_matching, trace
from . import dequantization, image_baselines, images, latents
from .flow_matching import fit_flow_matching

__version__ = "0.1.0"

# The package has three rooms, and imports run one way: course -> presentation -> library.
#   the library proper   everything imported above (bijectors, masks, flows, training, ...);
#   presentation/        the book's look, plotting panels, the explorer (widget) framework;
#   course/              one explorer and one checker module per notebook, the site's build tools.
# The two outer rooms import matplotlib / ipywidgets, so they load on first use only: the math
# (and anything that only trains flows) never pays for, or depends on, plotting.
_LAZY_SUBMODULES = {
    "presentation": "presentation",
    "course": "course",
    "viz": "presentation.viz",
    "widgets": "presentation.widgets",
    "exercises": "course.exercises",
    "explorers": "course.explorers",
}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{_LAZY_SUBMODULES[name]}", __name__)
    raise AttributeError(f"module 'gauss_flows' has no attribute {name!r}")
