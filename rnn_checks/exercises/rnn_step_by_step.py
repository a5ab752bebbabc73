"""Assignment `rnn_step_by_step`: RNN and LSTM cells, forward passes and backpropagation."""
from . import Assignment, Dims, Exercise, GradientCheck, normal, np

WEIGHT_SCALE = 0.5  # keeps tanh and the gates away from saturation, so every bug shows


def logits(rng, d):
    """Scores around 1000, 600 and 800 by column: a naive np.exp overflows to inf.

    Columns stay within a few hundred of each other, so subtracting the global max (as a
    well-known course's helper does) is still exact; only the per-column max is stable for
    every input, but both are accepted as correct.
    """
    offsets = np.resize([1000.0, 600.0, 800.0], d.m)
    return {"x": normal(rng, d.n_y, d.m, scale=3.0) + offsets}


def rnn_parameters(rng, d):
    return {"Wax": normal(rng, d.n_a, d.n_x, scale=WEIGHT_SCALE),
            "Waa": normal(rng, d.n_a, d.n_a, scale=WEIGHT_SCALE),
            "Wya": normal(rng, d.n_y, d.n_a, scale=WEIGHT_SCALE),
            "ba": normal(rng, d.n_a, 1, scale=WEIGHT_SCALE),
            "by": normal(rng, d.n_y, 1, scale=WEIGHT_SCALE)}


def lstm_parameters(rng, d):
    parameters = {}
    for gate in "fico":
        parameters[f"W{gate}"] = normal(rng, d.n_a, d.n_a + d.n_x, scale=WEIGHT_SCALE)
        parameters[f"b{gate}"] = normal(rng, d.n_a, 1, scale=WEIGHT_SCALE)
    parameters["Wy"] = normal(rng, d.n_y, d.n_a, scale=WEIGHT_SCALE)
    parameters["by"] = normal(rng, d.n_y, 1, scale=WEIGHT_SCALE)
    return parameters


def rnn_cell_inputs(rng, d):
    return {"xt": normal(rng, d.n_x, d.m), "a_prev": normal(rng, d.n_a, d.m),
            "parameters": rnn_parameters(rng, d)}


def rnn_inputs(rng, d):
    return {"x": normal(rng, d.n_x, d.m, d.T_x), "a0": normal(rng, d.n_a, d.m),
            "parameters": rnn_parameters(rng, d)}


def lstm_cell_inputs(rng, d):
    return {"xt": normal(rng, d.n_x, d.m), "a_prev": normal(rng, d.n_a, d.m),
            "c_prev": normal(rng, d.n_a, d.m), "parameters": lstm_parameters(rng, d)}


def lstm_inputs(rng, d):
    return {"x": normal(rng, d.n_x, d.m, d.T_x), "a0": normal(rng, d.n_a, d.m),
            "parameters": lstm_parameters(rng, d)}


def rnn_weights():
    return {"dWax": "parameters.Wax", "dWaa": "parameters.Waa", "dba": "parameters.ba"}


def lstm_weights():
    return {f"{kind}{gate}": f"parameters.{kind[1:]}{gate}"
            for gate in "fico" for kind in ("dW", "db")}


ASSIGNMENT = Assignment(
    name="rnn_step_by_step",
    public=Dims(n_x=3, n_a=5, n_y=2, m=4, T_x=3),
    hidden=(
        Dims(n_x=4, n_a=4, n_y=3, m=3, T_x=5),   # n_a = n_x: a missing transpose keeps its shape
        Dims(n_x=5, n_a=3, n_y=4, m=1, T_x=4),   # a single example
        Dims(n_x=2, n_a=6, n_y=2, m=5, T_x=1),   # a single time step
        Dims(n_x=3, n_a=3, n_y=3, m=2, T_x=6),   # everything square, longer sequence
    ),
    provided=("sigmoid",),
    exercises=(
        Exercise("softmax", 5, logits),
        Exercise("rnn_cell_forward", 10, rnn_cell_inputs, ("a_next", "yt_pred", "cache"),
                 uses=("softmax",)),
        Exercise("rnn_forward", 10, rnn_inputs, ("a", "y_pred", "caches"),
                 uses=("rnn_cell_forward",), time_axis=-1),
        Exercise("rnn_cell_backward", 15, rnn_cell_inputs, gradient=GradientCheck(
            "rnn_cell_forward", ("da_next", "cache"), upstream={"da_next": 0}, cache=2,
            wrt={"dxt": "xt", "da_prev": "a_prev", **rnn_weights()})),
        Exercise("rnn_backward", 10, rnn_inputs, uses=("rnn_cell_backward",),
                 gradient=GradientCheck("rnn_forward", ("da", "caches"), upstream={"da": 0},
                                        cache=2, wrt={"dx": "x", "da0": "a0", **rnn_weights()}),
                 time_axis=-1),
        Exercise("lstm_cell_forward", 10, lstm_cell_inputs,
                 ("a_next", "c_next", "yt_pred", "cache"), uses=("softmax",)),
        Exercise("lstm_forward", 10, lstm_inputs, ("a", "y", "c", "caches"),
                 uses=("lstm_cell_forward",), time_axis=-1),
        Exercise("lstm_cell_backward", 15, lstm_cell_inputs, gradient=GradientCheck(
            "lstm_cell_forward", ("da_next", "dc_next", "cache"),
            upstream={"da_next": 0, "dc_next": 1}, cache=3,
            wrt={"dxt": "xt", "da_prev": "a_prev", "dc_prev": "c_prev", **lstm_weights()})),
        Exercise("lstm_backward", 15, lstm_inputs, uses=("lstm_cell_backward",),
                 gradient=GradientCheck("lstm_forward", ("da", "caches"), upstream={"da": 0},
                                        cache=3, wrt={"dx": "x", "da0": "a0", **lstm_weights()}),
                 time_axis=-1),
    ),
)
