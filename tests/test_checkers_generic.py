"""Every checker rejects the generic wrong answers and accepts the notebook's own solution.

The right answer of each exercise is the one its notebook gives: the function the notebook
passes to the checker (``check_tc_stall(tc_before_and_after)``), as the ``solution``-tagged cell
defines it, run with the imports and helper functions of the notebook's other code cells (no
computation of the notebook is re-run). From it the generic wrong answers are
derived by changing what it returns, call by call:

- ``noise``: standard normal noise of the returned shape (seeded);
- ``zeros``: zeros of the returned shape;
- ``input``: the (first numeric) input returned unchanged;
- ``sign``: the returned numbers with their sign flipped;
- ``bias``: a small shift, +1e-2 of the returned numbers' scale;
- ``factor``: the returned numbers times 1.1;

plus, where it means something, the value BEFORE the exercise's step (``before``, given per
checker). Every wrong answer must raise ExerciseError. A wrong answer that happens to return
exactly the right numbers on every call the checker makes (zeros times 1.1 are zeros) is
right and must pass; a transformation that gives another right answer (a principal axis up to
its sign) is declared per checker with the reason, and must pass too.

The registry lists EVERY public ``check_*`` of gauss_flows.course.exercises: a new checker
without an entry here fails ``test_every_checker_is_registered``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import jax
import numpy as np
import pytest

import gauss_flows.course.exercises as exercises_package
from gauss_flows.course.exercises import ExerciseError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")


# ------------------------------------------------------------------ the notebook's solution
def _cells(notebook: str) -> list[dict]:
    return json.loads((NOTEBOOKS / notebook).read_text())["cells"]


def _code(cell) -> str:
    text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))


_LITERAL_CALLS = {"np.array", "np.asarray", "jnp.array", "jnp.asarray"}


def _is_literal(node: ast.AST) -> bool:
    """A constant written out (numbers, strings, tuples/lists of them, arithmetic on them,
    np.array([...])): what a function's default argument may refer to, never a computation."""
    calls = [sub for sub in ast.walk(node) if isinstance(sub, ast.Call)]
    if any(ast.unparse(call.func) not in _LITERAL_CALLS for call in calls):
        return False
    inside_calls = {id(sub) for call in calls for sub in ast.walk(call.func)}
    return all(isinstance(sub, (ast.Constant, ast.Tuple, ast.List, ast.UnaryOp, ast.BinOp, ast.Call, ast.Load,
                                ast.operator, ast.unaryop, ast.keyword))
               or id(sub) in inside_calls for sub in ast.walk(node))


def _definitions(code: str) -> ast.Module:
    """The imports, function definitions and literal constants of a cell, nothing that computes."""
    keep = [n for n in ast.parse(code).body
            if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef))
            or (isinstance(n, ast.Assign) and _is_literal(n.value))]
    return ast.Module(body=keep, type_ignores=[])


@lru_cache(maxsize=None)
def notebook_namespace(notebook: str) -> dict:
    """The notebook's imports and every function it defines (solutions included), in cell order."""
    namespace: dict = {"__name__": f"notebook:{notebook}"}
    for cell in _cells(notebook):
        if cell["cell_type"] == "code":
            exec(compile(_definitions(_code(cell)), notebook, "exec"), namespace)
    return namespace


def solution(notebook: str, name: str) -> Callable:
    """The function ``name`` as the notebook's ``solution``-tagged cell defines it."""
    tagged = [c for c in _cells(notebook) if c["cell_type"] == "code" and "solution" in c["metadata"].get("tags", [])]
    defined = {n.name for c in tagged for n in ast.parse(_code(c)).body if isinstance(n, ast.FunctionDef)}
    assert name in defined, f"{notebook}: no solution cell defines {name}"
    return notebook_namespace(notebook)[name]


# ------------------------------------------------------------------ generic wrong answers
def _is_number_leaf(x) -> bool:
    if isinstance(x, jax.Array) and jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key):
        return False  # a PRNG key is an input, never a number to return
    return isinstance(x, (int, float, np.number, np.ndarray, jax.Array)) and not isinstance(x, bool)


def _leaves_map(fn, out):
    """``fn`` applied to every numeric leaf of ``out`` (arrays, numbers, tuples, lists, equinox
    modules); None and other leaves stay as they are."""
    return jax.tree_util.tree_map(lambda x: fn(np.asarray(x)) if _is_number_leaf(x) or isinstance(x, (bool, np.bool_)) else x, out)


def _same(a, b) -> bool:
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    if len(la) != len(lb) or jax.tree_util.tree_structure(a) != jax.tree_util.tree_structure(b):
        return False
    for x, y in zip(la, lb):
        try:
            x, y = np.asarray(x), np.asarray(y)
            if x.shape != y.shape or not np.array_equal(x, y, equal_nan=True):
                return False
        except (TypeError, ValueError):
            if x is not y:
                return False
    return True


def _noise(rng):
    def change(x):
        if x.dtype == bool:
            return rng.random(x.shape) < 0.5
        return rng.standard_normal(x.shape) if x.shape else float(rng.standard_normal())
    return change


def _scale(out) -> float:
    values = [np.max(np.abs(np.asarray(x, dtype=float))) for x in jax.tree_util.tree_leaves(out)
              if _is_number_leaf(x) and np.size(x)]
    return max(values, default=1.0) or 1.0


def _first_input(args):
    for a in args:
        if _is_number_leaf(a) or isinstance(a, (list, tuple)) and a and all(_is_number_leaf(v) for v in a):
            return a
    return args[0] if args else None


def _input_unchanged(args, out):
    """The input in place of every returned array of the input's shape, else the input itself."""
    x = _first_input(args)
    shape = np.shape(x)
    replaced = jax.tree_util.tree_map(lambda leaf: x if _is_number_leaf(leaf) and np.shape(leaf) == shape else leaf, out)
    return replaced if not _same(replaced, out) else x


GENERIC: dict[str, Callable] = {
    "noise": lambda args, out, rng: _leaves_map(_noise(rng), out),
    "zeros": lambda args, out, rng: _leaves_map(lambda x: np.zeros_like(x), out),
    "input": lambda args, out, rng: _input_unchanged(args, out),
    "sign": lambda args, out, rng: _leaves_map(lambda x: ~x if x.dtype == bool else -x, out),
    "bias": lambda args, out, rng: _leaves_map(lambda x: x if x.dtype == bool else x + 1e-2 * _scale(out), out),
    "factor": lambda args, out, rng: _leaves_map(lambda x: x if x.dtype == bool else x * 1.1, out),
}


class Wrong:
    """A wrong answer derived from the right function: ``change(args, right_output, rng)``.
    Records whether any call returned something other than the right answer."""

    def __init__(self, right: Callable, change: Callable):
        self.right, self.change = right, change
        self.rng = np.random.default_rng(0)
        self.differed = False

    def __call__(self, *args):
        out = self.right(*args)
        wrong = self.change(args, out, self.rng)
        self.differed |= not _same(wrong, out)
        return wrong


# ------------------------------------------------------------------ the registry
@dataclass
class Entry:
    """What a checker's generic test needs beyond the notebook: the value before the step (if
    it means something) and the generic changes that give another right answer."""

    before: Callable | None = None  # (right, args, right output) -> the value before the step
    also_right: dict[str, str] = field(default_factory=dict)  # generic change -> why it is right


DEFAULT = Entry()
NDTRI = __import__("scipy.special", fromlist=["ndtri"]).ndtri

# Every public check_* of gauss_flows.course.exercises, "module.check_name" -> Entry.
REGISTRY: dict[str, Entry] = {
    "amortised_posteriors.check_kl_per_observation": DEFAULT,
    "amortised_posteriors.check_posterior_moments": DEFAULT,
    "calibration.check_hdr_level": DEFAULT,
    "calibration.check_ks_statistic": DEFAULT,
    "checkerboard_and_channel_masks.check_channel_mask_pixels": DEFAULT,
    "checkerboard_and_channel_masks.check_receptive_field": DEFAULT,
    "dequantization_and_bits_per_dim.check_logit_log_det": DEFAULT,
    "dequantization_and_bits_per_dim.check_to_bits_per_dim": DEFAULT,
    "multiscale_flow_on_digits.check_bits_per_dim": DEFAULT,
    "multiscale_flow_on_digits.check_probability_ratio": DEFAULT,
    "latents.check_latent_interpolation": DEFAULT,
    "latents.check_log_density_terms": DEFAULT,
    "squeeze_and_multiscale.check_latent_level_map": DEFAULT,
    "squeeze_and_multiscale.check_numbers_received": DEFAULT,
    "coupling_equals_diagonal.check_marginal_parameters": DEFAULT,
    "coupling_equals_diagonal.check_zero_kernel_affine_log_det": DEFAULT,
    "conditional_density_estimation.check_moment_matched_gaussian": DEFAULT,
    "conditional_density_estimation.check_nll_gap": DEFAULT,
    "coupling_vs_autoregressive.check_coupling_made_mask": DEFAULT,
    "coupling_vs_autoregressive.check_maf_inverse": DEFAULT,
    "depth_and_residual_flows.check_fixed_point": DEFAULT,
    "depth_and_residual_flows.check_log_det_series": DEFAULT,
    "diagonal_vs_coupling_revisited.check_diagonal_kl_floor": DEFAULT,
    "diagonal_vs_coupling_revisited.check_mean_and_se": DEFAULT,
    "entropy_from_a_flow.check_gaussian_entropy": DEFAULT,
    "entropy_from_a_flow.check_lognormal_entropy": DEFAULT,
    "estimators_under_the_microscope.check_broken": DEFAULT,
    "estimators_under_the_microscope.check_kozachenko_leonenko": DEFAULT,
    "flow_matching.check_cfm_loss": DEFAULT,
    "flow_matching.check_marginal_field": DEFAULT,
    "hutchinson.check_one_probe_estimate": DEFAULT,
    "hutchinson.check_hutchinson_variances": DEFAULT,
    "mutual_information.check_block_mutual_information": DEFAULT,
    "mutual_information.check_gaussian_mi": DEFAULT,
    "three_ways_to_condition.check_conditional_affine_log_prob": DEFAULT,
    "three_ways_to_condition.check_parameters_added": DEFAULT,
    "training_a_continuous_flow.check_kl_estimate": DEFAULT,
    "training_a_continuous_flow.check_log_density": DEFAULT,
    "total_correlation.check_equicorrelated_tc": DEFAULT,
    "total_correlation.check_gaussian_total_correlation": DEFAULT,
    "zero_initialisation.check_identity_error": DEFAULT,
    "zero_initialisation.check_log_det_spread": DEFAULT,
    "bijector_menu.check_affine_inverse": DEFAULT,
    "bijector_menu.check_conditioner_outputs": DEFAULT,
    "bijector_menu.check_mixture_cdf_log_det": DEFAULT,
    "boundaries_and_support.check_dequantize": DEFAULT,
    "boundaries_and_support.check_gaussianize_clipped": Entry(  # before clipping: Phi^-1(u) itself
        before=lambda right, args, out: NDTRI(np.asarray(args[0], dtype=float))),
    "change_of_variables.check_log_density_cubic": DEFAULT,
    "change_of_variables.check_log_density_linear": DEFAULT,
    "change_of_variables.check_log_det_linear": DEFAULT,
    "composition.check_autodiff_log_det": DEFAULT,
    "composition.check_layer_log_dets": DEFAULT,
    "conditioner_design.check_conditioner_parameters": DEFAULT,
    "conditioner_design.check_heads_width": DEFAULT,
    "conditioner_design.check_soft_bound": DEFAULT,
    "convergence.check_remaining_tc": Entry(  # what remains BEFORE each layer
        before=lambda right, args, out: np.asarray(out) + np.asarray(args[0], dtype=float)),
    "convergence.check_stop_rule": DEFAULT,
    "coupling_pattern.check_affine_coupling_forward": DEFAULT,
    "coupling_pattern.check_affine_coupling_inverse": DEFAULT,
    "density_destructors.check_destructor_log_density": DEFAULT,
    "density_destructors.check_gaussianization_step": Entry(  # u, before the rotation
        before=lambda right, args, out: np.asarray(out) @ np.asarray(args[1])),
    "diagnostics.check_jarque_bera_statistic": DEFAULT,
    "diagnostics.check_qq_theoretical": DEFAULT,
    "diagonal_vs_coupling.check_bits_per_dim": DEFAULT,
    "diagonal_vs_coupling.check_loglik_vs_params": DEFAULT,
    "empirical_cdf.check_dkw_coverage": DEFAULT,
    "empirical_cdf.check_gaussianize_ranks": DEFAULT,
    "forward_vs_inverse.check_bisect": Entry(before=lambda right, args, out: 0.5 * (args[2] + args[3])),
    "forward_vs_inverse.check_flow_log_prob": DEFAULT,
    "householder.check_det_of_reflections": DEFAULT,
    "householder.check_householder_matrix": DEFAULT,
    "kde_and_mixture_cdf.check_log_abs_slope": DEFAULT,
    "kde_and_mixture_cdf.check_mixture_bic": DEFAULT,
    "layerwise_inspection.check_kl_after": DEFAULT,
    "layerwise_inspection.check_kl_drops": DEFAULT,
    "learnable_mixture_cdf.check_gaussian_nll": DEFAULT,
    "learnable_mixture_cdf.check_warm_start": DEFAULT,
    "instantaneous_change_of_variables.check_field_divergence": DEFAULT,
    "instantaneous_change_of_variables.check_log_density_along_path": DEFAULT,
    "linear_ode.check_log_det_expm": DEFAULT,
    "linear_ode.check_pushed_covariance": DEFAULT,
    "mask_design.check_design_masks": Entry(also_right={
        "sign": "swapping active and passive in every mask gives another covering design"}),
    "mask_design.check_frozen_block": DEFAULT,
    "mask_design.check_layers_until_covered": DEFAULT,
    "nll_training.check_base_term": DEFAULT,
    "nll_training.check_nll": DEFAULT,
    "numerical_inversion.check_implicit_derivative": DEFAULT,
    "numerical_inversion.check_safe_newton": Entry(before=lambda right, args, out: 0.5 * (args[3] + args[4])),
    "numerical_mechanics.check_log_normal_cdf": DEFAULT,
    "numerical_mechanics.check_smallest_safe_epsilon": DEFAULT,
    "one_by_one_and_actnorm.check_conv1x1_log_det": DEFAULT,
    "one_by_one_and_actnorm.check_lu_log_det": DEFAULT,
    "pca_warm_start.check_householder_vectors": Entry(also_right={
        "sign": "v and -v define the same reflection", "factor": "v and 1.1 v define the same reflection"}),
    "pca_warm_start.check_pca_matrix": Entry(also_right={"sign": "a principal axis is defined up to its sign"}),
    "rbig_loop.check_rbig_by_hand": Entry(  # one layer fewer
        before=lambda right, args, out: right(args[0], args[1] - 1, args[2]),
        also_right={"sign": "a reflection after the last layer is one more orthogonal map, and the "
                            "checker accepts other rotations"}),
    "rbig_loop.check_rbig_log_likelihood": Entry(  # the flow without its last layer
        before=lambda right, args, out: right(list(args[0])[:-1], args[1])),
    "rbig_warm_start.check_equal_budget_comparison": DEFAULT,
    "rbig_warm_start.check_steps_to_reach": DEFAULT,
    "rotation_zoo.check_best_angle": DEFAULT,
    "rotation_zoo.check_tc_stall": Entry(before=lambda right, args, out: (out[0], out[0])),  # TC assumed unchanged
    "spline_cdfs.check_rq_derivative_in_bin": DEFAULT,
    "spline_cdfs.check_rq_inverse_in_bin": DEFAULT,
    "which_rotation.check_layers_needed": DEFAULT,
    "which_rotation.check_toy_total_correlation": DEFAULT,
    "why_standard_normal.check_entropies_at_variance": DEFAULT,
    "why_standard_normal.check_gaussian_tc": DEFAULT,
}


def notebook_of(module: str) -> str:
    """The notebook of a checker module: notebooks/<part>/<NN>_<module>.ipynb."""
    (path,) = NOTEBOOKS.glob(f"*/[0-9][0-9]_{module}.ipynb")
    return path.relative_to(NOTEBOOKS).as_posix()


def answer_name(notebook: str, check: str) -> str:
    """The name the notebook passes to ``check`` (``check_tc_stall(tc_before_and_after)``)."""
    for cell in _cells(notebook):
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse(_code(cell))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == check:
                (argument,) = node.args
                return argument.id
    raise AssertionError(f"{notebook}: no cell calls {check}(...)")


def _module_checkers() -> dict[str, Callable]:
    found = {}
    for info in pkgutil.iter_modules(exercises_package.__path__):
        if info.name == "core":
            continue
        module = importlib.import_module(f"{exercises_package.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("check_") and fn.__module__ == module.__name__:
                found[f"{info.name}.{name}"] = fn
    return found


CHECKERS = _module_checkers()


def test_every_checker_is_registered():
    missing = sorted(set(CHECKERS) - set(REGISTRY))
    stale = sorted(set(REGISTRY) - set(CHECKERS))
    assert not missing, f"checkers with no entry in tests/test_checkers_generic.py REGISTRY: {missing}"
    assert not stale, f"REGISTRY entries for checkers that do not exist: {stale}"


def _cases():
    for key in sorted(REGISTRY):
        entry = REGISTRY[key]
        yield pytest.param(key, "right", id=f"{key}-right")
        for change in list(GENERIC) + (["before"] if entry.before else []):
            yield pytest.param(key, change, id=f"{key}-{change}")


@pytest.mark.parametrize("key, change", list(_cases()))
def test_checker_against_generic_answers(key, change, capsys):
    entry, check = REGISTRY[key], CHECKERS[key]
    module, check_name = key.split(".")
    notebook = notebook_of(module)
    right = solution(notebook, answer_name(notebook, check_name))
    if change == "right":
        check(right)
        assert "Correct" in capsys.readouterr().out
        return
    changer = entry.before if change == "before" else GENERIC[change]
    if change == "before":
        wrong = Wrong(right, lambda args, out, rng: changer(right, args, out))
    else:
        wrong = Wrong(right, changer)
    try:
        check(wrong)
        accepted = True
    except ExerciseError:
        accepted = False
    if change in entry.also_right:
        assert accepted, f"{key}: `{change}` is right ({entry.also_right[change]}) but the checker rejects it"
    elif wrong.differed:
        assert not accepted, f"{key}: the checker ACCEPTS the wrong answer `{change}`"
    else:
        assert accepted, f"{key}: `{change}` returns exactly the right answer here, yet it is rejected"

