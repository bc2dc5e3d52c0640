"""Every checker rejects the generic wrong answers and accepts the notebook's own solution.

The right answer of each exercise is the one its notebook gives: the definitions of the
``solution``-tagged cell, run with the imports and helper functions of the notebook's other
code cells (no computation of the notebook is re-run). From it the generic wrong answers are
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


def _definitions(code: str) -> ast.Module:
    """The imports and function definitions of a cell, nothing that computes."""
    keep = [n for n in ast.parse(code).body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef))]
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
    """How to ask a checker: ``answer(right)`` turns the right function into what the
    checker takes (the function itself for most)."""

    notebook: str
    solution: str
    before: Callable | None = None  # (right, args, right output) -> the value before the step
    also_right: dict[str, str] = field(default_factory=dict)  # generic change -> why it is right
    call: Callable = staticmethod(lambda check, answer: check(answer))


REGISTRY: dict[str, Entry] = {}


def _register(module: str, notebook: str, **solutions):
    for check, spec in solutions.items():
        entry = spec if isinstance(spec, Entry) else Entry(notebook, spec)
        entry.notebook = notebook
        REGISTRY[f"{module}.{check}"] = entry


_register("change_of_variables", "00_foundations/00_change_of_variables.ipynb",
          check_log_density_cubic="log_density_cubic", check_log_det_linear="log_det_linear",
          check_log_density_linear="log_density_linear")
_register("composition", "00_foundations/01_composition.ipynb",
          check_layer_log_dets="layer_log_dets", check_autodiff_log_det="autodiff_log_det")
_register("forward_vs_inverse", "00_foundations/02_forward_vs_inverse.ipynb",
          check_bisect=Entry("", "bisect", before=lambda right, args, out: 0.5 * (args[2] + args[3])),
          check_flow_log_prob="flow_log_prob")
_register("why_standard_normal", "00_foundations/03_why_standard_normal.ipynb",
          check_entropies_at_variance="entropies_at_variance", check_gaussian_tc="gaussian_tc")
_register("density_destructors", "00_foundations/04_density_destructors.ipynb",
          check_gaussianization_step=Entry("", "gaussianization_step",
                                           before=lambda right, args, out: np.asarray(out) @ np.asarray(args[1])),
          check_destructor_log_density="destructor_log_density")
_register("numerical_mechanics", "00_foundations/05_numerical_mechanics.ipynb",
          check_smallest_safe_epsilon="smallest_safe_epsilon", check_log_normal_cdf="log_normal_cdf")
_register("diagnostics", "00_foundations/06_diagnostics.ipynb",
          check_jarque_bera_statistic="jarque_bera_statistic", check_qq_theoretical="qq_theoretical")
_register("empirical_cdf", "01_marginal/00_empirical_cdf.ipynb",
          check_dkw_coverage="dkw_coverage", check_gaussianize_ranks="gaussianize_ranks")
_register("kde_and_mixture_cdf", "01_marginal/01_kde_and_mixture_cdf.ipynb",
          check_log_abs_slope="log_abs_slope", check_mixture_bic="mixture_bic")
_register("spline_cdfs", "01_marginal/02_spline_cdfs.ipynb",
          check_rq_inverse_in_bin="rq_inverse_in_bin", check_rq_derivative_in_bin="rq_derivative_in_bin")
_register("learnable_mixture_cdf", "01_marginal/03_learnable_mixture_cdf.ipynb",
          check_gaussian_nll="gaussian_nll", check_warm_start="warm_start")
_register("numerical_inversion", "01_marginal/04_numerical_inversion.ipynb",
          check_implicit_derivative="implicit_derivative",
          check_safe_newton=Entry("", "safe_newton", before=lambda right, args, out: 0.5 * (args[3] + args[4])))
_register("rotation_zoo", "02_rotations/00_rotation_zoo.ipynb",
          check_tc_stall=Entry("", "tc_before_and_after", before=lambda right, args, out: (out[0], out[0])),
          check_best_angle="best_angle")
_register("householder", "02_rotations/01_householder.ipynb",
          check_det_of_reflections="det_of_reflections", check_householder_matrix="householder_matrix")
_register("pca_warm_start", "02_rotations/02_pca_warm_start.ipynb",
          check_householder_vectors=Entry("", "householder_vectors", also_right={
              "sign": "v and -v define the same reflection", "factor": "v and 1.1 v define the same reflection"}),
          check_pca_matrix=Entry("", "pca_matrix", also_right={"sign": "a principal axis is defined up to its sign"}))
_register("one_by_one_and_actnorm", "02_rotations/03_one_by_one_and_actnorm.ipynb",
          check_lu_log_det="lu_log_det", check_conv1x1_log_det="conv1x1_log_det")
_register("rbig_loop", "03_rbig/00_rbig_loop.ipynb",
          check_rbig_by_hand=Entry("", "rbig_by_hand",
                                   before=lambda right, args, out: right(args[0], args[1] - 1, args[2]),
                                   also_right={"sign": "a reflection after the last layer is one more "
                                                       "orthogonal map: the checker accepts other rotations"}),
          check_rbig_log_likelihood=Entry("", "rbig_log_likelihood",
                                          before=lambda right, args, out: right(list(args[0])[:-1], args[1])))
_register("convergence", "03_rbig/01_convergence.ipynb",
          check_stop_rule="stop_rule",
          check_remaining_tc=Entry("", "remaining_tc",
                                   before=lambda right, args, out: np.asarray(out) + np.asarray(args[0], dtype=float)))
_register("which_rotation", "03_rbig/02_which_rotation.ipynb",
          check_layers_needed="layers_needed_by_hand", check_toy_total_correlation="toy_total_correlation")
_register("boundaries_and_support", "03_rbig/03_boundaries_and_support.ipynb",
          check_dequantize="dequantize",
          check_gaussianize_clipped=Entry("", "gaussianize_clipped", before=lambda right, args, out: __import__(
              "scipy.special", fromlist=["ndtri"]).ndtri(np.asarray(args[0], dtype=float))))
_register("nll_training", "04_maximum_likelihood/00_nll_training.ipynb",
          check_nll="nll", check_base_term="base_term")
_register("rbig_warm_start", "04_maximum_likelihood/01_rbig_warm_start.ipynb",
          check_equal_budget_comparison="equal_budget_comparison", check_steps_to_reach="steps_to_reach")
_register("diagonal_vs_coupling", "04_maximum_likelihood/02_diagonal_vs_coupling.ipynb",
          check_loglik_vs_params="loglik_vs_params", check_bits_per_dim="bits_per_dim")
_register("layerwise_inspection", "04_maximum_likelihood/03_layerwise_inspection.ipynb",
          check_kl_drops="kl_drops", check_kl_after="kl_after")
_register("coupling_pattern", "05_coupling/00_coupling_pattern.ipynb",
          check_affine_coupling_forward="affine_coupling_forward",
          check_affine_coupling_inverse="affine_coupling_inverse")
_register("bijector_menu", "05_coupling/01_bijector_menu.ipynb",
          check_conditioner_outputs="conditioner_outputs", check_affine_inverse="affine_inverse_and_log_det",
          check_mixture_cdf_log_det="mixture_cdf_log_det")
_register("conditioner_design", "05_coupling/02_conditioner_design.ipynb",
          check_conditioner_parameters="conditioner_parameters", check_heads_width="heads_width",
          check_soft_bound="soft_bound")
_register("mask_design", "05_coupling/03_mask_design.ipynb",
          check_layers_until_covered="layers_until_covered",
          check_design_masks=Entry("", "design_masks", also_right={
              "sign": "swapping active and passive in every mask gives another covering design"}),
          check_frozen_block="frozen_block")


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
    right = solution(entry.notebook, entry.solution)
    if change == "right":
        entry.call(check, right)
        assert "Correct" in capsys.readouterr().out
        return
    changer = entry.before if change == "before" else GENERIC[change]
    if change == "before":
        wrong = Wrong(right, lambda args, out, rng: changer(right, args, out))
    else:
        wrong = Wrong(right, changer)
    try:
        entry.call(check, wrong)
        accepted = True
    except ExerciseError:
        accepted = False
    if change in entry.also_right:
        assert accepted, f"{key}: `{change}` is right ({entry.also_right[change]}) but the checker rejects it"
    elif wrong.differed:
        assert not accepted, f"{key}: the checker ACCEPTS the wrong answer `{change}`"
    else:
        assert accepted, f"{key}: `{change}` returns exactly the right answer here, yet it is rejected"

