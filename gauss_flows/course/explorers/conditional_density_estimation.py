"""Explorer of Part 7 · 01, conditional density estimation: slide the input, compare p(y | x).

The target is ``gf.conditional_data.HeteroscedasticBimodal``: given :math:`x`, two Gaussian branches
at :math:`\\pm a x` with weights :math:`w(x)` and :math:`1 - w(x)` and a width that grows with
:math:`|x|`. Two conditional models are trained on pairs :math:`(x_i, y_i)` in the notebook (and
passed in here):

* a **spline flow**: rational-quadratic spline layers whose knots are computed from :math:`x`
  (``coupling_flow`` with ``conditioning="input"`` on a one-coordinate event: the conditioner
  reads the context alone), which can be bimodal;
* a **Gaussian**: one affine layer whose shift and log-scale are networks of :math:`x`, a
  heteroscedastic Gaussian regression, which cannot.

The explorer shows, at each :math:`x` of the slider, the exact :math:`p(y \\mid x)` and the
learned ones, and the KL at every :math:`x` with the current one marked.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from gauss_flows import jit_log_prob
from gauss_flows.bijectors import Affine, RationalQuadraticSpline
from gauss_flows.conditional_data import HeteroscedasticBimodal, conditional_kl
from gauss_flows.flows import coupling_flow
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider, Toggle

__all__ = ["FAMILIES", "X_VALUES", "Y_WINDOW", "build", "conditional_curves", "conditional_explorer",
           "where_is_the_gaussian_worst"]

#: The two model families of the page: name -> (transformer, layers).
FAMILIES = {"spline flow": (RationalQuadraticSpline(knots=8, interval=5.0), 2), "Gaussian": (Affine(), 1)}
#: The inputs x of the explorer's slider (and of the KL curves).
X_VALUES = [float(x) for x in np.round(np.linspace(-2.4, 2.4, 9), 2)]
#: The window of y in the plots.
Y_WINDOW = (-4.5, 4.5)


def build(key, family: str, *, nn_width: int = 32, nn_depth: int = 2):
    """The page's conditional model :math:`q(y \\mid x)` of ``family`` (a key of :data:`FAMILIES`):
    scalar ``y``, scalar context ``x``, the context read by every layer's conditioner."""
    if family not in FAMILIES:
        raise ValueError(f"build: family must be one of {list(FAMILIES)}, got {family!r}.")
    transformer, n_layers = FAMILIES[family]
    return coupling_flow(key, shape=(1,), transformer=transformer, n_layers=n_layers, nn_width=nn_width,
                         nn_depth=nn_depth, condition_shape=(1,), conditioning="input")


def conditional_curves(models: dict, target: HeteroscedasticBimodal, key, *, xs=X_VALUES, n_y: int = 361,
                       n_kl: int = 2000) -> dict:
    """Everything the explorer draws, from trained models.

    Args:
        models: ``{name: conditional flow}``; target: the exact :math:`p(y \\mid x)`;
        key: PRNG key of the KL's draws (the same draws for every model);
        xs: the slider's inputs; n_y: points of the y grid; n_kl: draws per input for the KL.

    Returns ``{"x", "y" (n_y,), "exact" (m, n_y), "density" {name: (m, n_y)}, "kl" {name: (m,)},
    "kl_se" {name: (m,)}}``.
    """
    if not models:
        raise ValueError("conditional_curves needs at least one model, {name: flow}.")
    xs = [float(x) for x in xs]
    y = np.linspace(*Y_WINDOW, n_y)
    column = jnp.asarray(y)[:, None]
    curves = {"x": xs, "y": y, "density": {}, "kl": {}, "kl_se": {}}
    curves["exact"] = np.stack([np.exp(np.asarray(target.log_prob(column, jnp.array([x])))) for x in xs])
    for name, model in models.items():
        curves["density"][name] = np.stack([np.exp(np.asarray(jit_log_prob(model, column, jnp.array([x]))))
                                            for x in xs])
        kl, se = conditional_kl(key, target, model, jnp.asarray(xs)[:, None], n=n_kl)
        curves["kl"][name], curves["kl_se"][name] = np.asarray(kl), np.asarray(se)
    return curves


def _render(x: float, gaussian_shown: bool, *, curves):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, CYCLE, DATA, FIGSIZE, style_ax

    k = curves["x"].index(x)
    names = list(curves["density"])
    shown = [n for n in names if gaussian_shown or n != "Gaussian"] or names
    fig = Figure(figsize=FIGSIZE["wide"], layout="constrained")
    left, right = fig.subplots(1, 2)
    left.fill_between(curves["y"], curves["exact"][k], color=DATA, alpha=0.25, lw=0)
    left.plot(curves["y"], curves["exact"][k], color=DATA, lw=2.5, label="exact p(y | x)")
    colours = dict(zip(names, CYCLE[3:] + CYCLE[:3]))
    for name in shown:
        left.plot(curves["y"], curves["density"][name][k], color=colours[name], lw=1.8,
                  ls="-" if name != "Gaussian" else "--", label=name)
    top = max(float(curves["exact"].max()), max(float(curves["density"][n].max()) for n in shown))
    style_ax(left, f"p(y | x = {x:+.1f})", "y", "density", xlim=curves["y"][[0, -1]], ylim=(0, 1.05 * top))
    for name in shown:
        kl, se = curves["kl"][name], curves["kl_se"][name]
        right.errorbar(curves["x"], kl, yerr=2 * se, color=colours[name], marker="o", ms=4, capsize=2, label=name)
    right.axvline(x, color=ACCENT, ls=":", lw=1.5)
    right.set_yscale("log")
    style_ax(right, "KL(p ‖ q) at each x (± 2 SE)", "x", "nats")
    readout = f"x = {x:+.1f}: " + "; ".join(
        f"{name} KL = {curves['kl'][name][k]:.3f} ± {curves['kl_se'][name][k]:.3f} nats" for name in shown)
    return fig, readout


def conditional_explorer(curves: dict, **kwargs) -> Explorer:
    """Controls: the input x (``curves["x"]``) x whether the Gaussian model is drawn too.

    ``curves`` is :func:`conditional_curves`'s result; ``kwargs`` go to ``Explorer`` (e.g. ``dpi``)."""
    missing = {"x", "y", "exact", "density", "kl", "kl_se"} - set(curves)
    if missing:
        raise ValueError(f"conditional_explorer needs the result of conditional_curves; missing {sorted(missing)}.")
    controls = {"x": Slider("input x", curves["x"], default=curves["x"][-2], fmt="{:+.1f}"),
                "gaussian_shown": Toggle("show the Gaussian model", default=True)}

    def render(x, gaussian_shown):
        return _render(x, gaussian_shown, curves=curves)

    return Explorer(render, controls, title="The learned p(y | x) against the exact one", **kwargs)


def where_is_the_gaussian_worst() -> Prediction:
    """The "predict first" prompt shown before :func:`conditional_explorer`."""
    return Prediction(
        "The Gaussian model gets the best mean and spread it can at each x, but it has one mode. "
        "Where is its KL to the exact p(y | x) largest?",
        ["near x = 0", "at the ends, |x| large", "the same everywhere"],
        answer="at the ends, |x| large",
        explanation="Near x = 0 the two branches overlap into one narrow bump, which a Gaussian fits well. "
                    "As |x| grows they separate, and a single Gaussian has to cover both modes and the empty "
                    "gap between them: its KL grows with the separation.")
