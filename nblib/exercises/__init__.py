"""The exercises at the end of each notebook, with their checks, hints and solutions.

One module per notebook: ``from nblib.exercises import nb01`` then
``nb01.exercise_1.check(answer)``.  Built on :class:`nblib.checks.Exercise`.
"""
