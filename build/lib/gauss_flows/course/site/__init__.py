"""The book's build pipeline (private: not part of the gauss_flows API).

``make book`` runs, in order:

1. ``python -m gauss_flows.course.site.stage``      copy _config.yml, _toc.yml, book/ and notebooks/
   into ``_build/src``, unpack MathJax there (``vendor``), write the student-edition zip;
2. ``pytest --nbmake --overwrite`` on the staged notebooks: each notebook is executed ONCE,
   with ``GAUSS_FLOWS_STATIC=1`` so explorers render their precomputed, kernel-free form;
3. ``jupyter-book build _build/src`` with execution off and warnings as errors;
4. ``python -m gauss_flows.course.site.postbuild``  replace the notebooks the site offers for
   download by the student edition (solutions removed) and check the site is self-contained.

``make student`` runs ``python -m gauss_flows.course.site.student``. The Sphinx extension
``gauss_flows.course.site.sphinx_ext`` is loaded by _config.yml. Nothing here imports JAX.
"""
