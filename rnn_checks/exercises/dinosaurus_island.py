"""Assignment `dinosaurus_island`: a character-level language model of dinosaur names."""
import string

from ..behaviour import SamplingCheck, TrainingCheck
from . import Assignment, DataLines, Dims, Exercise, GradientCheck, normal, np

VOCABULARY = "\n" + string.ascii_lowercase      # sorted: "\n" is index 0, a-z are 1-26
CHAR_TO_IX = {ch: i for i, ch in enumerate(VOCABULARY)}
IX_TO_CHAR = {i: ch for i, ch in enumerate(VOCABULARY)}
VOCAB_SIZE = len(VOCABULARY)
GRADIENT_KEYS = ("dWax", "dWaa", "dWya", "db", "dby")


def parameters(rng, d, scale=0.5):
    return {"Wax": normal(rng, d.n_a, VOCAB_SIZE, scale=scale),
            "Waa": normal(rng, d.n_a, d.n_a, scale=scale),
            "Wya": normal(rng, VOCAB_SIZE, d.n_a, scale=scale),
            "b": normal(rng, d.n_a, 1, scale=scale), "by": normal(rng, VOCAB_SIZE, 1, scale=scale)}


def one_hot(index):
    x = np.zeros((VOCAB_SIZE, 1))
    x[index] = 1.0
    return x


def sequence(rng, d, letters=26):
    """A name of T_x - 1 letters: X = [None] + its letters, Y = its letters + the newline."""
    name = [int(i) for i in rng.integers(1, letters + 1, size=d.T_x - 1)]
    return {"X": [None] + name, "Y": name + [CHAR_TO_IX["\n"]]}


def step_forward_inputs(rng, d):
    return {"parameters": parameters(rng, d), "a_prev": normal(rng, d.n_a, 1),
            "x": one_hot(rng.integers(VOCAB_SIZE))}


def step_backward_inputs(rng, d):
    p = parameters(rng, d)
    gradients = {f"d{key}": normal(rng, *value.shape) for key, value in p.items()}
    gradients["da_next"] = normal(rng, d.n_a, 1)
    return {"dy": normal(rng, VOCAB_SIZE, 1), "gradients": gradients, "parameters": p,
            "x": one_hot(rng.integers(VOCAB_SIZE)), "a": np.tanh(normal(rng, d.n_a, 1)),
            "a_prev": normal(rng, d.n_a, 1)}


def forward_inputs(rng, d):
    return {**sequence(rng, d), "a0": normal(rng, d.n_a, 1), "parameters": parameters(rng, d)}


def update_inputs(rng, d):
    p = parameters(rng, d)
    return {"parameters": p,
            "gradients": {f"d{key}": normal(rng, *value.shape) for key, value in p.items()},
            "lr": float(rng.choice([0.01, 0.05, 0.3]))}


def clip_inputs(rng, d):
    """Gradients well beyond +-maxValue; maxValue is never 10, so a hard-coded 10 shows."""
    max_value = float(rng.choice([0.5, 2.0, 5.0]))
    p = parameters(rng, d)
    return {"gradients": {f"d{key}": normal(rng, *p[key].shape, scale=3 * max_value)
                          for key in ("Waa", "Wax", "Wya", "b", "by")},
            "maxValue": max_value}


def optimize_inputs(rng, d):
    """Long names of three letters: some gradients exceed 5, so the clipping shows."""
    return {**sequence(rng, Dims(d.n_x, d.n_a, d.n_y, d.m, max(d.T_x, 12) + 6), letters=3),
            "a_prev": normal(rng, d.n_a, 1), "parameters": parameters(rng, d, scale=1.0),
            "learning_rate": float(rng.choice([0.02, 0.05, 0.1]))}


def sampling_inputs(rng, d):
    """Parameters where the input and the state matter and names average a few letters."""
    p = parameters(rng, d, scale=1.5)
    p["Waa"] *= 0.5
    p["by"][CHAR_TO_IX["\n"]] = 2.0
    return {"parameters": p, "char_to_ix": dict(CHAR_TO_IX)}


def never_newline(p):
    """The same parameters with the newline made (almost) impossible: names hit the cap."""
    capped = {key: value.copy() for key, value in p.items()}
    capped["by"][CHAR_TO_IX["\n"]] = -60.0
    return capped


def training_inputs(rng, d):
    return {"data_x": DataLines("small.txt"), "ix_to_char": dict(IX_TO_CHAR),
            "char_to_ix": dict(CHAR_TO_IX),
            "num_iterations": 1500, "n_a": 20, "dino_names": 3, "vocab_size": VOCAB_SIZE}


ASSIGNMENT = Assignment(
    name="dinosaurus_island",
    public=Dims(n_x=VOCAB_SIZE, n_a=5, n_y=VOCAB_SIZE, m=1, T_x=6),
    hidden=(
        Dims(n_x=VOCAB_SIZE, n_a=VOCAB_SIZE, n_y=VOCAB_SIZE, m=1, T_x=3),  # square Wax
        Dims(n_x=VOCAB_SIZE, n_a=4, n_y=VOCAB_SIZE, m=1, T_x=1),           # a one-letter name
        Dims(n_x=VOCAB_SIZE, n_a=8, n_y=VOCAB_SIZE, m=1, T_x=10),
        Dims(n_x=VOCAB_SIZE, n_a=3, n_y=VOCAB_SIZE, m=1, T_x=4),
    ),
    provided=("softmax", "smooth", "get_initial_loss", "initialize_parameters", "print_sample"),
    exercises=(
        Exercise("rnn_step_forward", 5, step_forward_inputs, ("a_next", "p_t")),
        Exercise("rnn_step_backward", 10, step_backward_inputs, ("gradients",),
                 inputs_after="free"),
        Exercise("rnn_forward", 10, forward_inputs, ("loss", "cache"), uses=("rnn_step_forward",)),
        Exercise("rnn_backward", 15, forward_inputs, ("gradients", "a"),
                 uses=("rnn_step_backward",),
                 gradient=GradientCheck("rnn_forward", ("X", "Y", "parameters", "cache"),
                                        cache=1, loss=0, within="gradients",
                                        wrt={"dWax": "parameters.Wax", "dWaa": "parameters.Waa",
                                             "dWya": "parameters.Wya", "db": "parameters.b",
                                             "dby": "parameters.by", "da_next": "a0"})),
        Exercise("update_parameters", 5, update_inputs, ("parameters",), inputs_after="updated"),
        Exercise("clip", 10, clip_inputs, ("gradients",), inputs_after="free"),
        Exercise("sample", 15, sampling_inputs, uses=("rnn_step_forward",), hidden_cases=1,
                 behaviour=SamplingCheck(step="rnn_step_forward", capped_parameters=never_newline)),
        Exercise("optimize", 15, optimize_inputs, ("loss", "gradients", "a_last"),
                 uses=("rnn_forward", "rnn_backward", "clip", "update_parameters"),
                 inputs_after="updated"),
        Exercise("model", 15, training_inputs, uses=("optimize", "sample"), hidden_cases=0,
                 behaviour=TrainingCheck(loss="rnn_forward")),
    ),
)
