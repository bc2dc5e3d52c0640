"""Explorer of Part 0 · 06: is it Gaussian yet? QQ plots and normality read-outs per RBIG layer.

The reader picks a 2-D sample and a number of Gaussianization layers (RBIG,
:func:`gauss_flows.rbig_fit`, fitted once per sample when the explorer is built) and sees the
sample after that many layers, the normal QQ plot of both coordinates
(:func:`gauss_flows.diagnostics.qq_data`) and the read-outs of :mod:`gauss_flows.diagnostics`:
skewness, excess kurtosis, negentropy, the Jarque-Bera statistic and p-value of each
coordinate, and the total correlation of the pair. The lesson: marginal diagnostics can all say
"Gaussian" while the pair is still far from :math:`\\mathcal N(0, I)`; only a joint measure (TC)
sees the difference.
"""

from __future__ import annotations

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows import diagnostics as dg
from gauss_flows.destructors import destruction_path
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

#: the layer counts offered by the slider
LAYERS = [0, 1, 2, 4]
LIMIT = 4.0


def default_samples(n: int = 1000) -> dict[str, np.ndarray]:
    """Three 2-D samples: two moons, a skewed dependent pair, a correlated Gaussian."""
    from gauss_flows.datasets import TwoMoons

    moons = TwoMoons(noise=0.08).sample(jr.key(0), n)
    e = jr.exponential(jr.key(1), (n, 2))
    skewed = jnp.stack([e[:, 0], 0.6 * e[:, 0] + e[:, 1]], 1)
    g = jr.normal(jr.key(2), (n, 2))
    correlated = jnp.stack([g[:, 0], 0.9 * g[:, 0] + np.sqrt(1 - 0.81) * g[:, 1]], 1)
    return {"two moons": np.asarray(moons), "skewed pair": np.asarray(skewed),
            "correlated Gaussian": np.asarray(correlated)}


def readouts(z) -> dict:
    """Every diagnostic of the page for samples ``z`` (n, 2): per-coordinate arrays and TC."""
    z = jnp.asarray(z)
    statistic, p_value = dg.jarque_bera(z)
    return {"skewness": np.asarray(dg.skewness(z)), "excess_kurtosis": np.asarray(dg.excess_kurtosis(z)),
            "negentropy": np.asarray(dg.negentropy(z)), "jarque_bera": np.asarray(statistic),
            "p_value": np.asarray(p_value), "total_correlation": float(dg.total_correlation(z))}


def diagnostic_states(samples: dict | None = None, *, layers=LAYERS, key=None) -> dict:
    """Fit RBIG (random rotations) to each sample once; keep the output after each layer count.

    Returns ``{name: {n_layers: {"z", "qq", "readouts"}}}``.
    """
    from gauss_flows.rbig import rbig_fit

    samples = default_samples() if samples is None else samples
    key = jr.key(3) if key is None else key
    states = {}
    for (name, x), sample_key in zip(samples.items(), jr.split(key, len(samples))):
        flow, _ = rbig_fit(x, n_layers=max(layers), rotation="random", key=sample_key)
        path, _ = destruction_path(flow.bijection, x)
        states[name] = {k: {"z": np.asarray(path[k]),
                            "qq": tuple(np.asarray(a) for a in dg.qq_data(path[k])),
                            "readouts": readouts(path[k])} for k in layers}
    return states


def gaussianity_explorer(states: dict | None = None, **kwargs) -> Explorer:
    """Sample dropdown x layer slider; ``states`` from :func:`diagnostic_states`."""
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import DATA, FIGSIZE, MODEL, PASSIVE

    states = diagnostic_states() if states is None else states
    names = list(states)
    layers = sorted(next(iter(states.values())))

    def render(sample: str, n_layers: float):
        k = int(round(n_layers))
        if k not in states[sample]:
            raise ValueError(f"no precomputed state for {k} layers; choose one of {layers}.")
        state = states[sample][k]
        z, (theory, ordered), r = state["z"], state["qq"], state["readouts"]
        fig = Figure(figsize=FIGSIZE["wide"], layout="none")
        ax_s = fig.add_axes((0.06, 0.13, 0.36, 0.76))
        ax_q = fig.add_axes((0.56, 0.13, 0.40, 0.76))
        ax_s.scatter(z[:, 0], z[:, 1], s=3, alpha=0.4, color=DATA, linewidths=0, rasterized=True)
        centre, spread = z.mean(0), z.std(0)
        lim = LIMIT if k > 0 else None
        if lim is None:  # raw data: show it in its own units
            half = 1.1 * np.abs(z - centre).max()
            ax_s.set_xlim(centre[0] - half, centre[0] + half)
            ax_s.set_ylim(centre[1] - half, centre[1] + half)
        else:
            ax_s.set_xlim(-lim, lim)
            ax_s.set_ylim(-lim, lim)
        ax_s.set_aspect("equal")
        ax_s.set_title(f"{sample}, after {k} layer{'s' if k != 1 else ''}")
        ax_q.plot([-LIMIT, LIMIT], [-LIMIT, LIMIT], color="0.6", lw=1.2, ls="--")
        for i, colour in enumerate([PASSIVE, MODEL]):
            ax_q.plot(theory[:, i], ordered[:, i], ".", ms=3, color=colour, label=f"z{i + 1}")
        ax_q.set_xlim(-LIMIT, LIMIT)
        ax_q.set_ylim(-1.5 * LIMIT, 1.5 * LIMIT)
        ax_q.set_xlabel("normal quantile")
        ax_q.set_ylabel("standardised sample quantile")
        ax_q.set_title("normal QQ plot")
        ax_q.legend(loc="upper left", fontsize=9)
        for ax in (ax_s, ax_q):
            ax.tick_params(labelsize=9)
        rows = []
        for i in range(2):
            rows.append(f"z{i + 1}: skew {r['skewness'][i]:+.2f}  excess kurtosis {r['excess_kurtosis'][i]:+.2f}"
                        f"  negentropy {r['negentropy'][i]:.3f}  JB {r['jarque_bera'][i]:.1f}"
                        f" (p = {r['p_value'][i]:.2g})")
        marginal_ok = bool(np.all(r["p_value"] > 0.05))
        verdict = ("every marginal passes Jarque-Bera at 5 %" if marginal_ok
                   else "Jarque-Bera rejects normality of a marginal at 5 %")
        rows.append(f"total correlation {r['total_correlation']:.3f} nats: {verdict}"
                    + (", but the pair is dependent" if marginal_ok and r["total_correlation"] > 0.1 else ""))
        return fig, "\n".join(rows)

    controls = {"sample": Dropdown("sample", names, default=names[0]),
                "n_layers": Slider("RBIG layers", layers, default=layers[0], fmt="{:.0f}")}
    return Explorer(render, controls, title="is it Gaussian yet?", **kwargs)


def marginal_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`gaussianity_explorer`."""
    return Prediction(
        "Choose 'correlated Gaussian' with 0 layers: both coordinates are exactly normal, with "
        "correlation 0.9. What will the QQ plots and the Jarque-Bera tests of the two marginals say?",
        ["both look Gaussian", "both reject normality"], answer="both look Gaussian",
        explanation="Each coordinate of a correlated Gaussian is Gaussian, so every marginal "
                    "diagnostic passes; the dependence shows only in a joint measure, the total "
                    "correlation -1/2 log(1 - 0.9²) ≈ 0.83 nats. Marginal tests alone cannot say "
                    "'it is N(0, I)'.")
