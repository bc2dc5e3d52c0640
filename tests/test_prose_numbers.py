"""The prose-vs-output rule of gauss_flows.course.site.prose_numbers on small synthetic notebooks."""

from __future__ import annotations

import json

import pytest

from gauss_flows.course.site import prose_numbers as pn


def notebook(markdown, code="pass", printed="", html=None, constants=None):
    """A one-markdown-cell, one-code-cell executed notebook."""
    outputs = [{"output_type": "stream", "name": "stdout", "text": printed}]
    if html is not None:
        outputs.append({"output_type": "display_data", "data": {"text/html": html}, "metadata": {}})
    metadata = {"gauss_flows": {"prose_constants": constants}} if constants is not None else {}
    return {
        "cells": [
            {"cell_type": "code", "source": code, "outputs": outputs, "metadata": {}, "execution_count": 1},
            {"cell_type": "markdown", "source": markdown, "metadata": {}},
        ],
        "metadata": metadata,
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def flagged(markdown, **kw):
    return [m.number for m in pn.check_notebook(notebook(markdown, **kw))]


@pytest.mark.parametrize(
    "prose, printed",
    [
        ("The gap is 0.17 nats.", "gap: 0.169"),
        ("The gap is 0.17 nats.", "gap = 0.1701"),
        ("It falls by 0.05.", "change -0.0498"),
        ("A round trip at the 1e-15 level.", "max error 1.2e-15"),
        ("A round trip at the 1e-15 level.", "max error 9.7e-16"),
        ("An error of 1.2e-5.", "1.23e-05"),
        ("The first layer removes 33 % of it.", "fraction 0.331"),
        ("The first layer removes 33% of it.", "33.1 %"),
        ("We used 12,345 points.", "n = 12345"),
        ("We used 12345 points.", "n = 12,345"),
        ("fails below x ~ -37.5", "fails at -37.52"),
        ("The values range over 2.1-2.5.", "[2.14 2.47]"),
    ],
)
def test_a_result_the_page_prints_passes(prose, printed):
    assert flagged(prose, printed=printed) == []


@pytest.mark.parametrize(
    "prose, printed, number",
    [
        ("The gap is about 0.13 nats.", "gap: 0.169", "0.13"),
        ("The gap is 0.17 nats.", "gap: 0.176", "0.17"),
        ("The disagreement is at the 1e-15 level.", "disagreement 0.0e+00", "1e-15"),
        ("The disagreement is at the 1e-15 level.", "disagreement 3.1e-14", "1e-15"),
        ("fails below x ~ -38.5", "fails at -37.52", "-38.5"),
        ("The first layer removes 50 % of it.", "fraction 0.331", "50 %"),
        ("Negentropy goes 0.381 -> 0.390.", "0.381 0.372", "0.390"),
    ],
)
def test_a_drifted_result_is_reported(prose, printed, number):
    assert flagged(prose, printed=printed) == [number]


def test_the_report_names_the_sentence():
    (mismatch,) = pn.check_notebook(notebook("First sentence. The gap is 0.13 nats here. Next.", printed="0.169"))
    assert mismatch.sentence == "The gap is 0.13 nats here."
    assert mismatch.cell == 1 and "0.13" in str(mismatch)


@pytest.mark.parametrize(
    "prose",
    [
        "Math: $\\sigma = 0.37$ and $$x = 4.2$$ and \\begin{equation} y = 9.9 \\end{equation}.",
        "A display\n\n$$\nz = 7.7\n$$ (eq-label-3)\n\nand a role {math}`a = 5.5`.",
        "Code: `n_components=9` and ```\nblock 8.8\n```.",
        "Roles: {cite:p}`laparra2011` {eq}`eq-3` {glue:text}`gap:.3f` and [Part 0 · 00](../00_foundations/00_x.ipynb).",
        "References: Part 5 · 03, 5·04, Part 4, Parts 1 and 2, Parts 0-4, Exercise 2, Figure 3, Steps 1-3.",
        "A year: Jaini et al. 2020, and a citation [7].",
        "Words: float64, 2D, 1-D, x1, 1st and https://example.org/9.html.",
        "```{exercise-start}\n:label: ex-rbig-loop-7\n```\nWrite a loop.\n```{exercise-end}\n```",
        "```{math}\n:label: eq-5\nq = 6.6\n```",
    ],
)
def test_math_code_roles_links_and_references_are_not_results(prose):
    assert flagged(prose, printed="nothing printed") == []


def test_a_directive_body_is_prose():
    assert flagged("```{note}\nThe gap is 0.13 nats.\n```", printed="0.169") == ["0.13"]


def test_a_setting_in_the_code_is_not_a_result():
    code = "data = two_moons(n=2500, key=key)\nflow = fit(n_layers=8, lr=0.05)  # a comment: 77\nprint(f'{x:.3f}')"
    assert flagged("On 2500 points, 8 layers at a rate of 0.05.", code=code) == []
    # a number only in a comment or a format string is not a setting
    assert flagged("After 77 steps, 3 digits.", code=code) == ["77", "3"]
    # prose 5000 where the code says 2500 (the 1·00 case)
    assert flagged("On 5000 points.", code=code) == ["5000"]


def test_declared_constants_are_not_results():
    prose = "The constant 1/2 log 2 pi is 0.919, and 68 % lie within one standard deviation."
    assert flagged(prose) == ["1", "2", "2", "0.919", "68 %"]
    assert flagged(prose, constants=["1/2 log 2 pi", "0.919", "68"]) == []


def test_html_outputs_count_but_not_their_attributes():
    html = '<table style="width:600px"><tr><td>0.372</td></tr></table><script>var a = 0.5;</script>'
    assert flagged("Negentropy ends at 0.372.", html=html) == []
    assert flagged("The panel is 600 wide.", html=html) == ["600"]
    assert flagged("A weight of 0.5.", html=html) == ["0.5"]


def test_an_unexecuted_notebook_is_an_error():
    nb = notebook("The gap is 0.13.")
    nb["cells"][0]["outputs"] = []
    with pytest.raises(ValueError, match="executed"):
        pn.check_notebook(nb)


def test_the_command_line_exits_1_on_a_mismatch(tmp_path, capsys):
    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    good.write_text(json.dumps(notebook("The gap is 0.17.", printed="0.169")))
    bad.write_text(json.dumps(notebook("The gap is 0.13.", printed="0.169")))
    assert pn.main([str(good)]) == 0
    assert pn.main([str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.ipynb" in out and "0.13" in out and "good.ipynb" not in out
