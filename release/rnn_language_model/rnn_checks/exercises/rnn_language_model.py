"""Assignment `rnn_language_model`: a word-level RNN language model, truncated
backpropagation through time and SGD. The graded functions are methods of the notebook's
`RNN` class: their `self` is an RNN object (protocol.Instance), made from these attributes."""
from dataclasses import dataclass

from ..behaviour import ScheduleCheck
from ..protocol import Instance
from . import Assignment, Exercise, GradientCheck, np

START, END = 1, 2   # word indices of SENTENCE_START and SENTENCE_END (0 is UNKNOWN_TOKEN)


@dataclass(frozen=True)
class Dims:
    """Dimensions of one case: the vocabulary, hidden units, truncation, sentence length."""
    word_dim: int
    hidden_dim: int
    bptt_truncate: int
    T: int

    def __str__(self):
        return (f"word_dim={self.word_dim}, hidden_dim={self.hidden_dim}, "
                f"bptt_truncate={self.bptt_truncate}, T={self.T}")


def model(rng, d):
    """An RNN whose weights are large enough that tanh, the recurrence and every word matter."""
    return Instance("RNN", {
        "word_dim": d.word_dim, "hidden_dim": d.hidden_dim, "bptt_truncate": d.bptt_truncate,
        "U": rng.uniform(-1, 1, (d.hidden_dim, d.word_dim)),
        "V": rng.uniform(-1, 1, (d.word_dim, d.hidden_dim)),
        "W": rng.uniform(-1, 1, (d.hidden_dim, d.hidden_dim)) * 1.5 / np.sqrt(d.hidden_dim)})


def sentence(rng, d, T=None):
    """(x, y) of a sentence of T + 1 tokens: x starts with SENTENCE_START, y ends with
    SENTENCE_END, and y is x shifted by one."""
    words = [int(i) for i in rng.integers(3, d.word_dim, size=(T or d.T) - 1)]
    return [START] + words, words + [END]


def one_sentence(rng, d):
    x, y = sentence(rng, d)
    return {"self": model(rng, d), "x": x, "y": y}


def forward_inputs(rng, d):
    return {"self": model(rng, d), "x": sentence(rng, d)[0]}


def sentences_inputs(rng, d):
    """Three sentences of different lengths: a loss over one, or a mean per sentence, shows."""
    pairs = [sentence(rng, d, T) for T in (d.T, max(d.T - 3, 1), d.T + 2)]
    return {"self": model(rng, d), "x": [x for x, _ in pairs], "y": [y for _, y in pairs]}


def sgd_inputs(rng, d):
    return {**one_sentence(rng, d), "learning_rate": float(rng.choice([0.01, 0.05, 0.2]))}


def training_inputs(rng, d):
    """A small model and training set, and the losses the scripted model reports (never sent
    to the student's process): one higher than the previous (halve), one lower than the
    previous but higher than the first (a comparison with the first loss halves), one equal
    to the previous (a comparison with >= halves), then a random walk."""
    pairs = [sentence(rng, d, T) for T in rng.integers(2, 6, size=3 + d.T % 3)]
    first = float(rng.uniform(3, 6))
    higher = first + float(rng.uniform(0.5, 2))
    between = higher - float(rng.uniform(0.1, 0.4))
    losses = [first, higher, between, between, between - float(rng.uniform(0.1, 1))]
    # Enough for an evaluation at every epoch: a loop that evaluates too often is still
    # answered, so what it did can be named.
    losses += [losses[-1] + float(v) for v in rng.uniform(-0.5, 0.3, size=2 * d.T + 2)]
    return {"model": model(rng, d), "X_train": [x for x, _ in pairs],
            "y_train": [y for _, y in pairs], "learning_rate": float(rng.choice([0.005, 0.04])),
            "nepoch": int(2 * d.T + 1), "evaluate_loss_after": int(2 + d.T % 2),
            ScheduleCheck.SCRIPT: losses}


def exact(named):
    """bptt is the exact gradient when the truncation reaches back to the first step."""
    return named["self"]["bptt_truncate"] >= len(named["x"]) - 1


ASSIGNMENT = Assignment(
    name="rnn_language_model",
    public=Dims(word_dim=8, hidden_dim=4, bptt_truncate=2, T=6),
    hidden=(
        Dims(word_dim=10, hidden_dim=10, bptt_truncate=3, T=8),  # U, V and W all square
        Dims(word_dim=12, hidden_dim=5, bptt_truncate=1, T=5),
        Dims(word_dim=9, hidden_dim=6, bptt_truncate=10, T=4),   # untruncated: exact gradient
        Dims(word_dim=7, hidden_dim=3, bptt_truncate=0, T=7),
    ),
    provided=("SENTENCE_START", "SENTENCE_END", "UNKNOWN_TOKEN", "softmax", "tokenize",
              "load_corpus", "RNN", "generate_sentence"),
    setup_imports="import collections\nimport re\n\nimport numpy as np",
    classes=("RNN",),
    exercises=(
        Exercise("forward_propagation", 15, forward_inputs, ("o", "s"), time_axis=0),
        Exercise("predict", 5, forward_inputs, uses=("forward_propagation",)),
        Exercise("calculate_total_loss", 10, sentences_inputs, uses=("forward_propagation",)),
        Exercise("calculate_loss", 5, sentences_inputs,
                 uses=("calculate_total_loss", "forward_propagation")),
        Exercise("bptt", 25, one_sentence, ("dLdU", "dLdV", "dLdW"),
                 uses=("forward_propagation",),
                 gradient=GradientCheck("calculate_total_loss", ("self", "x", "y"),
                                        wrt={"dLdU": "self.U", "dLdV": "self.V", "dLdW": "self.W"},
                                        forward_args=lambda n: [n["self"], [n["x"]], [n["y"]]],
                                        exact=exact)),
        Exercise("sgd_step", 15, sgd_inputs, uses=("bptt",), inputs_after="updated",
                 returns=False),
        Exercise("train_with_sgd", 25, training_inputs, hidden_cases=3,
                 behaviour=ScheduleCheck(loss="calculate_loss", step="sgd_step")),
    ),
)
