"""Exercises with checkers: a student attempts, runs the check, and is told WHAT is wrong.

How to write an exercise checker
--------------------------------
1. One module per notebook, ``gauss_flows/course/exercises/<topic>.py`` (see
   ``change_of_variables.py``): a private reference ``_thing(...)``, a list of test
   inputs (include 0 / an all-zero input, negative values, a case where signs matter) and
   a few ``Mistake(wrong_function, "hint in student words")`` for the errors you expect.
2. A public ``check_thing(student_fn)`` that calls ``check_function(student_fn, _thing,
   INPUTS, name="thing", exercise=2, mistakes=MISTAKES)`` (or ``check_value`` for a number).
   It prints ``Correct: ...`` or raises ``ExerciseError`` (an AssertionError) with the hint,
   so a broken solution fails the notebook's nbmake run. Generic diagnoses come for free:
   wrong type/shape, returned None, NaN/inf, sign flipped, exp-vs-log, off by a constant
   (names 1/2 log 2 pi), off by a factor, correct only at zero, forward/inverse swapped
   (pass ``inverse=``). A student's ``NotImplementedError`` stub passes through unchanged.
   A checker that judges the answer its own way calls it through ``call_student(fn, *args,
   exercise=2, call="fn(x)")`` (the stub passes, any other error names the exercise and the
   call) and raises ``fail(exercise, message)``. A checker never imports an explorer: objects
   both need live in ``gauss_flows.course.examples`` or the library.
3. In the notebook: a markdown task (sphinx-exercise gated syntax), a code cell with the
   student's ``def thing(...)`` (tagged ``solution`` for the hidden solution), then a cell
   ``from gauss_flows.course.exercises.<topic> import check_thing; check_thing(thing)``.
4. Test it in ``tests/test_exercises.py``: the reference passes, and each Mistake plus at
   least two other plausible wrong answers raise ``ExerciseError`` with the expected hint.
"""

from gauss_flows.course.exercises.core import (ExerciseError, Mistake, call_student, check_function,
                                               check_value, fail)

__all__ = ["ExerciseError", "Mistake", "call_student", "check_function", "check_value", "fail"]
