"""The rnn-kit autograder: grades notebooks against declarative exercise specs."""
