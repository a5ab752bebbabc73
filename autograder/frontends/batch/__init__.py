"""Grading a whole class: `python -m autograder grade-all SUBMISSIONS --assignment NAME`.

Submissions are graded in parallel by long-lived worker processes (or Dask workers, see
frontends/cluster.py), each of which keeps the reference and its cases in memory
(`grade.prepared`) and forks students' processes from its zygote (sandbox/zygote.py). A
worker grades one submission at a time with the usual sandboxed engine and replies with the
results; this process writes that student's files as soon as they arrive, so an interrupted
run loses nothing and `--resume` skips what is already graded. A worker that dies or stops
answering (a grader bug, or a student's process that escaped a weak isolation mode and
killed it) costs that one submission: it is recorded with a reason, a fresh worker takes
the next one, and `--resume` tries that submission again.

Outputs, under the output folder, readable by their owner only:
    results/<student>.json    Gradescope's format, plus the submission's SHA-256
    feedback/<student>.md     the feedback, for the student (and .html)
    gradebook.sqlite          every total and exercise score (table `scores`)
    scores.csv                one row per student: the total and each exercise
    report.html               for the staff: the score histogram, each exercise's pass rate,
                              and the named mistakes with the students who made each
    grading.log               what the workers printed (tracebacks of grader failures)
<student> is the student ID where it is a plain file name, else a safe one (file_name).

Nothing about one submission stops the run: only regular files are read (never a symlink,
a FIFO or a device), and any failure while grading or recording a student becomes that
student's 0 with a sentence, logged for the staff.

Its modules: `discovery` (which submissions, and the names of each student's files),
`outputs` (the output folder and the class-level formats), `workers` (the worker processes
and the driver's side of them), `scheduler` (`grade_all`, the run itself, and its progress).
Import from them: this package imports none, since every worker process runs
`python -m autograder.frontends.batch.workers`, which must not be imported before it runs.
"""
