"""Grade a class: a folder of handed-in notebooks in, per-exercise results and feedback out.

``make grade SUBMISSIONS=path/to/folder`` (``python -m gauss_flows.course.grading``):

- **Layout of the folder.** One subfolder per student, named after the student, holding that
  student's notebooks (at any depth): ``class/ada/03_mask_design.ipynb``. A notebook lying
  directly in the folder must say whose it is in its file name, ``<student>__<anything>.ipynb``
  (two underscores): ``class/ada__mask_design.ipynb``. Anything else gets a clear ``error`` row.
- **Which notebook is it.** A handed-in notebook is matched to the book's by the identity in its
  metadata (:mod:`gauss_flows.course.site.identity`), never by its file name: renaming is
  harmless, and a notebook from another book (no identity) is reported, not guessed.
- **Running it** (:mod:`.execute`): each notebook in its own Jupyter kernel, in a scratch
  directory of its own (a copy of the notebook and ``_style.py``; the submission is read once and
  never written), every cell in order, continuing past a cell that fails, within a time limit
  for the whole notebook, with no network.
- **Reading it** (:mod:`.verdict`): the exercises are those of the book's notebook with that
  identity; in the handed-in notebook an exercise is the code cell(s) starting with
  ``# Exercise <n>:`` and the first later code cell calling that exercise's checker.
- **Output** (:mod:`.report`) in ``_build/grades/``: ``grades.csv`` (one row per student x
  notebook x exercise, columns ``student, notebook, exercise, status, message``; status one of
  ``correct``, ``wrong``, ``not attempted``, ``error``, ``timeout``), ``summary.csv`` and
  ``summary.html`` (per notebook and exercise: how many students got each status) and
  ``feedback/<student>.html`` (the checkers' messages for one student).

No JAX is imported here: the notebooks import it in their own kernels.
"""

from gauss_flows.course.grading.grade import GradeRow, STATUSES, grade_class

__all__ = ["GradeRow", "STATUSES", "grade_class"]
