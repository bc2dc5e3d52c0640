"""Coupling layers: split, condition, transform (RealNVP, Dinh et al. 2017).

A boolean mask :math:`m` splits the event :math:`x` into a passive part
:math:`x_p = x_{\\bar m}` and an active part :math:`x_a = x_m`. The passive part is copied;
the active part goes through a scalar transformer :math:`\\tau` whose parameters a
conditioner network :math:`c` computes from the passive part:

.. math::  z_p = x_p, \\qquad z_a^{(i)} = \\tau\\big(x_a^{(i)};\\ \\theta_i\\big), \\qquad
           \\theta = c(x_p).

Ordering the coordinates passive-first, the Jacobian is block lower-triangular,

.. math::  \\frac{\\partial z}{\\partial x} =
           \\begin{pmatrix} I & 0 \\\\ \\partial z_a/\\partial x_p & \\operatorname{diag}\\tau'(x_a^{(i)};\\theta_i)\\end{pmatrix},

so the log-determinant only needs the active diagonal,
:math:`\\log|\\det| = \\sum_{i\\ \\text{active}} \\log|\\tau'(x_a^{(i)};\\theta_i)|`, however
complicated :math:`c` is. The inverse recomputes :math:`\\theta = c(z_p)` from the copied
part (:math:`z_p = x_p`) and inverts only the scalar transformer; the network is never
inverted.

The transformer is given as a *template* (``Affine()``, ``MixtureGaussianCDF(8)``, ...);
its parameter vector (``ScalarTemplate``) is what the conditioner predicts per active
coordinate, and it is also the conditioner's initial output, so a fresh coupling is the
template (close to the identity).

**Conditional coupling.** With ``condition_shape`` given, the conditioner also reads a context
:math:`c`, :math:`\\theta = c(x_p, c)` (``conditioning="input"``: the context is concatenated to
the passive values) or :math:`\\theta = c_{\\phi(c)}(x_p)` (``conditioning="hypernetwork"``: the
context produces the conditioner's weights, see ``HyperConditioner``). The Jacobian in
:math:`x` keeps its triangular form at every fixed :math:`c`, so the log-determinant is the
same active-diagonal sum and the inverse recomputes :math:`\\theta` from :math:`(z_p, c)`. A
conditional coupling may make every coordinate active (e.g. a 1-D event :math:`y`): its
conditioner then reads the context alone, :math:`\\theta = c(c)`.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import Array

from .. import masks as masks_lib
from ..conditioner import HyperConditioner, MLPConditioner
from .affine import Affine
from .base import Bijector, validate_condition_shape
from .deep_sigmoid import DeepSigmoid
from .elementwise import ScalarTemplate, each_coordinate
from .mixture_cdf import MixtureGaussianCDF
from .rq_spline import RationalQuadraticSpline


def default_mask(shape: tuple[int, ...]) -> Array:
    """``masks.half`` over the flattened event: first half passive, second half active."""
    return masks_lib.half(math.prod(shape)).reshape(shape)


class Coupling(Bijector):
    """A coupling layer with any scalar transformer, any mask and any event shape.

    Args:
        key: PRNG key for the conditioner.
        shape: the event shape, e.g. ``(d,)`` or ``(h, w)``.
        transformer: a scalar template (shape ``()``), e.g. ``gf.Affine()``.
        mask: boolean array of ``shape``, True = active; default: first half passive.
        nn_width: units per hidden layer of the conditioner.
        nn_depth: hidden layers of the conditioner.
        init_scale: scale of the conditioner's output weights (``0.0``: starts exactly
            at the template).
        condition_shape: the shape of one context, e.g. ``(1,)``; ``None`` (default): an
            unconditional coupling, exactly as without the argument.
        conditioning: how the context enters, ``"input"`` (concatenated to the passive values)
            or ``"hypernetwork"`` (it produces the conditioner's weights).
        hyper_width: hidden units of the hypernetwork (``conditioning="hypernetwork"`` only).
    """

    conditioner: MLPConditioner | HyperConditioner
    template: ScalarTemplate
    shape: tuple[int, ...] = eqx.field(static=True)
    active: tuple[int, ...] = eqx.field(static=True)  # flat indices of active coordinates
    passive: tuple[int, ...] = eqx.field(static=True)
    condition_shape: tuple[int, ...] | None = eqx.field(static=True)

    def __init__(self, key: Array, *, shape: tuple[int, ...], transformer: Bijector,
                 mask=None, nn_width: int = 32, nn_depth: int = 2, init_scale: float = 0.1,
                 condition_shape: tuple[int, ...] | None = None, conditioning: str = "input",
                 hyper_width: int = 16):
        self.shape = tuple(int(s) for s in shape)
        self.condition_shape = validate_condition_shape(condition_shape, "Coupling")
        conditional = self.condition_shape is not None
        mask = masks_lib.validate(default_mask(self.shape) if mask is None else mask, self.shape,
                                  allow_all_active=conditional)
        flat = mask.ravel()
        self.active = tuple(int(i) for i in np.flatnonzero(flat))
        self.passive = tuple(int(i) for i in np.flatnonzero(~flat))
        self.template = ScalarTemplate(transformer)
        theta0 = self.template.ravel(transformer)
        settings = dict(n_in=len(self.passive), n_out=len(self.active) * self.template.n_params,
                        output_bias=jnp.tile(theta0, len(self.active)), width=nn_width,
                        depth=nn_depth, init_scale=init_scale)
        n_condition = math.prod(self.condition_shape) if conditional else 0
        if conditioning not in ("input", "hypernetwork"):
            raise ValueError(f"Coupling: conditioning must be 'input' or 'hypernetwork', "
                             f"but got {conditioning!r}.")
        if conditioning == "hypernetwork" and conditional:
            self.conditioner = HyperConditioner(key, n_condition=n_condition,
                                                hyper_width=hyper_width, **settings)
        else:  # unconditional: n_condition = 0, the very network (and key use) of before
            self.conditioner = MLPConditioner(key, n_condition=n_condition, **settings)

    @property
    def mask(self) -> np.ndarray:
        """The boolean mask (True = active) this layer was built with."""
        flat = np.zeros(math.prod(self.shape), dtype=bool)
        flat[list(self.active)] = True
        return flat.reshape(self.shape)

    def parameters(self, passive: Array, condition: Array | None = None) -> Array:
        """Transformer parameters ``(n_active, n_params)`` predicted from the passive values
        (and the context, for a conditional coupling)."""
        theta = self.conditioner(passive) if condition is None else self.conditioner(passive, condition)
        return theta.reshape(len(self.active), self.template.n_params)

    def split(self, x: Array) -> tuple[Array, Array]:
        """``(x_A, x_P)``: the active and the passive values of one event, each flat."""
        flat = x.reshape(-1)
        return flat[np.asarray(self.active, dtype=int)], flat[np.asarray(self.passive, dtype=int)]

    # Each direction is compiled as one computation (eqx.filter_jit): called eagerly, as in a
    # notebook, the layer would otherwise dispatch and compile dozens of tiny operations one by
    # one. Layers of equal structure share the compiled code; inside an outer jit/vmap/grad the
    # method is simply inlined.
    @eqx.filter_jit
    def _transform_and_log_det(self, x: Array, condition: Array | None = None) -> tuple[Array, Array]:
        x_active, x_passive = self.split(x)
        theta = self.parameters(x_passive, condition)                   # theta = c(x_P[, c])
        z_active, log_det = each_coordinate(                            # z_A = tau(x_A; theta),
            lambda theta_i, x_i: self.template.build(theta_i).transform_and_log_det(x_i),
            theta, x_active)                                            # log|det| = sum log tau'
        return self._with_active(x, z_active), log_det                  # z_P = x_P

    @eqx.filter_jit
    def _inverse_and_log_det(self, z: Array, condition: Array | None = None) -> tuple[Array, Array]:
        z_active, z_passive = self.split(z)
        # z_P = x_P (and the same context): the conditioner sees what it saw forward
        theta = self.parameters(z_passive, condition)
        x_active, log_det = each_coordinate(                            # x_A = tau^{-1}(z_A; theta)
            lambda theta_i, z_i: self.template.build(theta_i).inverse_and_log_det(z_i),
            theta, z_active)
        return self._with_active(z, x_active), log_det

    def _with_active(self, event: Array, active_values: Array) -> Array:
        """``event`` with its active coordinates replaced by ``active_values`` (passive copied)."""
        flat = event.reshape(-1).at[np.asarray(self.active)].set(active_values)
        return flat.reshape(self.shape)


class AffineCoupling(Coupling):
    """RealNVP affine coupling: :math:`z_a = x_a \\exp(s(x_p)) + t(x_p)` (see ``Affine``)."""

    def __init__(self, key: Array, *, shape: tuple[int, ...], nn_width: int = 32,
                 nn_depth: int = 2, mask=None, **kwargs):
        super().__init__(key, shape=shape, transformer=Affine(), mask=mask,
                         nn_width=nn_width, nn_depth=nn_depth, **kwargs)


class MixtureGaussianCDFCoupling(Coupling):
    """Coupling whose transformer is a ``n_components`` Gaussian-mixture CDF (Flow++-style)."""

    def __init__(self, key: Array, *, shape: tuple[int, ...], n_components: int = 8,
                 nn_width: int = 32, nn_depth: int = 2, mask=None, **kwargs):
        super().__init__(key, shape=shape, transformer=MixtureGaussianCDF(n_components=n_components),
                         mask=mask, nn_width=nn_width, nn_depth=nn_depth, **kwargs)


class DeepSigmoidCoupling(Coupling):
    """Coupling whose transformer is a deep sigmoidal flow with ``n_hidden`` units."""

    def __init__(self, key: Array, *, shape: tuple[int, ...], n_hidden: int = 8,
                 nn_width: int = 32, nn_depth: int = 2, mask=None, **kwargs):
        super().__init__(key, shape=shape, transformer=DeepSigmoid(n_hidden=n_hidden),
                         mask=mask, nn_width=nn_width, nn_depth=nn_depth, **kwargs)


class RQSplineCoupling(Coupling):
    """Neural-spline coupling: rational-quadratic spline with ``knots`` on ``[-interval, interval]``."""

    def __init__(self, key: Array, *, shape: tuple[int, ...], knots: int = 8,
                 interval: float = 4.0, nn_width: int = 32, nn_depth: int = 2, mask=None,
                 **kwargs):
        super().__init__(key, shape=shape,
                         transformer=RationalQuadraticSpline(knots=knots, interval=interval),
                         mask=mask, nn_width=nn_width, nn_depth=nn_depth, **kwargs)
