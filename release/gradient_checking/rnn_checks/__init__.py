"""rnn_checks: the student side of rnn-kit.

What a student's assignment folder runs: the public checks under each exercise, and the
checks, comparisons, diagnoses and stand-ins the grader also uses. It imports only the
standard library, NumPy and itself (tests/engine/test_import_graph.py), so `release` copies
it into every release folder and the folder alone, with NumPy, runs the checks. The grader's
own code (solutions, the course, the sandbox, the front-ends) is the `autograder` package,
which imports this one and never the other way round.
"""
