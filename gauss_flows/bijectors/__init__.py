"""Bijectors: invertible layers with log-determinants, one concept per module."""

from .base import Bijector, check_condition, check_event_shape, validate_condition_shape, vector_size

# --- scalar transformers (the menu) and marginal pieces: helper A adds lines below ---
from .affine import Affine
from .deep_sigmoid import DeepSigmoid
from .mixture_cdf import MixtureGaussianCDF
from .normal_cdf import NormalCDF
from .rq_spline import RationalQuadraticSpline
# --- structure: coupling, chain, permutations, rotations, actnorm: helper B adds lines below ---
from .actnorm import ActNorm
from .autoregressive import MaskedAutoregressive
from .chain import Chain, Invert, Stacked
from .coupling import (AffineCoupling, Coupling, DeepSigmoidCoupling, MixtureGaussianCDFCoupling,
                       RQSplineCoupling)
from .elementwise import Elementwise, ScalarTemplate
from .linear import Linear, LULinear
from .permute import Permute
from .residual import InvertibleResidual
from .rotations import FixedRotation, Householder, ICARotation, PCARotation, RandomRotation
# --- continuous time: ODE flows ---
from .continuous import ContinuousFlow, VectorField
from .linear_ode import LinearODE
# --- images: logit pre-transform, squeeze, one scale of a multi-scale flow ---
from .logit import Logit
from .multiscale import MultiScale
from .squeeze import Squeeze, depth_to_space, space_to_depth
