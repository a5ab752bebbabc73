from .frontends.cli import main

main(prog="python -m autograder")  # the usage shows what was typed, not __main__.py
