"""Grade a class's notebooks: ``make grade SUBMISSIONS=folder`` (README, "Grade a class").

- :mod:`grading.submissions` finds the notebooks in a folder, says which course
  notebook each is, and builds the notebook that is graded: the course's own
  notebook with only the student's answer cells put in.
- :mod:`grading.kernel` starts the kernel a submission runs in, with its limits.
- :mod:`grading.execute` runs one graded notebook in that kernel and reads the
  checks' records (``application/vnd.nblib.check+json``), never their printed text.
- :mod:`grading.gradebook` writes ``gradebook.csv`` and ``report.html``.
- :mod:`grading.run` grades a whole folder, each submission in its own process.
"""
