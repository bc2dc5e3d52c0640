"""Presentation: how the book looks and how its explorers work.

* :mod:`~gauss_flows.presentation.style`   the book's colours, figure sizes, ``style_ax``;
* :mod:`~gauss_flows.presentation.viz`     plotting panels (Jacobian heatmaps, warped grids, densities);
* :mod:`~gauss_flows.presentation.widgets` the explorer framework: one cell that is a live
  ipywidget in a kernel and a precomputed, kernel-free page on the site (built from
  ``controls``, ``static``, ``prediction``).

Imports only the library proper (never :mod:`gauss_flows.course`); the library never imports this.
"""
