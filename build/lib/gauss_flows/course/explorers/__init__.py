"""The book's explorers, one module per notebook.

Each module builds an :class:`gauss_flows.presentation.widgets.Explorer` (live ipywidgets in a kernel,
precomputed states on the website) from the library and ``gauss_flows.presentation.viz``; a notebook
cell calls one function here instead of pasting plotting code, and the benchmarks drive
the same function to measure latency. Import the module you need, e.g.
``from gauss_flows.course.explorers.coupling_pattern import coupling_explorer``.
"""
