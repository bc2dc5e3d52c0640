"""The course: the book's per-notebook code, fenced off from the library.

* :mod:`~gauss_flows.course.explorers`  one module per notebook, building its explorers;
* :mod:`~gauss_flows.course.exercises`  one checker module per notebook, and the checking kit;
* :mod:`~gauss_flows.course.site`       the build tooling (staging, student edition, Sphinx extension).

Imports the library and :mod:`gauss_flows.presentation`, never the other way round; a checker
never imports an explorer.
"""
