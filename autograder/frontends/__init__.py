"""Who asks for grading: the command line, a class run (local workers or a Dask cluster),
Gradescope's zip, nbgrader's course and the release of an assignment."""
