"""Named mistakes of `rnn_step_by_step`: each an edit of one reference function
(autograder/mistakes.py). Never shipped to students."""
from autograder.mistakes import Mistake

LSTM_WEIGHTS = ("dWf", "dWi", "dWc", "dWo", "dbf", "dbi", "dbc", "dbo")

MISTAKES = [
    # softmax
    Mistake("softmax_wrong_axis", "softmax",
            [("np.max(x, axis=0, keepdims=True)", "np.max(x, axis=1, keepdims=True)"),
             ("np.sum(e_x, axis=0, keepdims=True)", "np.sum(e_x, axis=1, keepdims=True)")],
            "your probabilities sum to 1 along each row, across the examples: each column of x "
            "holds one example's scores"),
    Mistake("softmax_not_normalised", "softmax",
            [("return e_x / np.sum(e_x, axis=0, keepdims=True)", "return e_x")],
            "your columns do not sum to 1: the exponentials still have to become probabilities"),
    Mistake("softmax_overflow", "softmax",
            [("np.exp(x - np.max(x, axis=0, keepdims=True))", "np.exp(x)")],
            "your result has nan where the scores are large (around 1000): np.exp overflows to "
            "inf there, so shift the scores first in a way that leaves the softmax unchanged"),
    # rnn_cell_forward
    Mistake("missing_bias", "rnn_cell_forward",
            [("Waa @ a_prev + ba)", "Waa @ a_prev)")],
            "your a_next leaves out a term of the pre-activation: check it against the cell's "
            "equation, parameter by parameter"),
    Mistake("wrong_activation", "rnn_cell_forward",
            [("np.tanh(Wax @ xt + Waa @ a_prev + ba)", "(Wax @ xt + Waa @ a_prev + ba)")],
            "your a_next is the pre-activation itself: which nonlinearity does the cell apply "
            "to it?"),
    Mistake("no_recurrence", "rnn_cell_forward",
            [("Wax @ xt + Waa @ a_prev", "Wax @ xt")],
            "your a_next ignores a_prev: where does the previous hidden state come in?"),
    Mistake("output_from_previous_state", "rnn_cell_forward",
            [("softmax(Wya @ a_next + by)", "softmax(Wya @ a_prev + by)")],
            "your yt_pred is computed from the hidden state before this step: the prediction "
            "at step t reads the state this step has just computed"),
    Mistake("cache_order", "rnn_cell_forward",
            [("cache = (a_next, a_prev, xt, parameters)",
              "cache = (a_prev, a_next, xt, parameters)")],
            "your cache holds the right values in another order: rnn_cell_backward unpacks it "
            "in the order the docstring gives"),
    # rnn_forward
    Mistake("no_recurrence", "rnn_forward",
            [("rnn_cell_forward(x[:, :, t], a_next, parameters)",
              "rnn_cell_forward(x[:, :, t], a0, parameters)")],
            "every step of yours starts again from a0: each step's hidden state is the next "
            "step's a_prev"),
    Mistake("wrong_initial_state", "rnn_forward",
            [("    a_next = a0\n", "    a_next = np.zeros((n_a, m))\n")],
            "your first step ignores the initial hidden state it is given: which state does "
            "step 0 start from?"),
    Mistake("caches_without_x", "rnn_forward",
            [("caches = (caches, x)", "caches = caches")],
            "your caches is not what the docstring describes: rnn_backward needs more than the "
            "list of cell caches"),
    Mistake("off_by_one_in_time", "rnn_forward",
            [("for t in range(T_x):", "for t in range(1, T_x):")],
            "your loop skips the first time step: x has T_x steps, numbered from 0"),
    # rnn_cell_backward
    Mistake("missing_transpose", "rnn_cell_backward",
            [("da_prev = Waa.T @ dz", "da_prev = Waa @ dz")],
            "your da_prev multiplies by Waa the way the forward pass does (it is square, so the "
            "shape fits): the gradient goes the other way through Waa"),
    Mistake("tanh_derivative_wrong_state", "rnn_cell_backward",
            [("(1 - a_next ** 2)", "(1 - a_prev ** 2)")],
            "your tanh derivative uses a_prev: the derivative is taken where this step's tanh "
            "was evaluated, at the state it produced"),
    Mistake("tanh_derivative_twice", "rnn_cell_backward",
            [("(1 - a_next ** 2)", "(1 - np.tanh(a_next) ** 2)")],
            "your tanh derivative applies tanh again to a_next, which already is a tanh"),
    Mistake("bias_gradient_wrong_axis", "rnn_cell_backward",
            [("np.sum(dz, axis=1, keepdims=True)", "np.sum(dz, axis=0, keepdims=True)")],
            "your dba sums over the hidden units: ba is added to every example, so which axis "
            "must its gradient sum over?"),
    Mistake("bias_gradient_not_summed", "rnn_cell_backward",
            [("np.sum(dz, axis=1, keepdims=True)", "dz")],
            "your dba keeps one column per example: ba is shared by all the examples, so their "
            "contributions add up"),
    Mistake("gradient_transposed", "rnn_cell_backward",
            [("dWaa = dz @ a_prev.T", "dWaa = a_prev @ dz.T")],
            "your dWaa is transposed (Waa is square, so the shape fits): dWaa[i, j] pairs the "
            "gradient of unit i with a_prev[j]"),
    # rnn_backward
    Mistake("gradient_not_carried", "rnn_backward",
            [("da[:, :, t] + da_prevt", "da[:, :, t]")],
            "the gradient flowing back through time is dropped: a<t> also feeds the next step, "
            "so the da_prev of the later step belongs to it too"),
    Mistake("upstream_gradient_dropped", "rnn_backward",
            [("da_prevt = np.zeros((n_a, m))", "da_prevt = da[:, :, T_x - 1]"),
             ("da[:, :, t] + da_prevt", "da_prevt")],
            "only the last step's upstream gradient enters your backward pass: the loss reads "
            "every hidden state, so every da[:, :, t] comes in"),
    Mistake("wrong_time_order", "rnn_backward",
            [("for t in reversed(range(T_x)):", "for t in range(T_x):")],
            "your backward pass runs forwards in time: a step's gradient needs the later "
            "steps' first"),
    Mistake("assign_instead_of_accumulate", "rnn_backward",
            [('dWax += gradients["dWax"]', 'dWax = gradients["dWax"]'),
             ('dWaa += gradients["dWaa"]', 'dWaa = gradients["dWaa"]'),
             ('dba += gradients["dba"]', 'dba = gradients["dba"]')],
            "your weight gradients are those of one step: the same weights act at every step, "
            "so their gradients add up over time"),
    Mistake("da0_not_set", "rnn_backward",
            [("da0 = da_prevt", "da0 = np.zeros((n_a, m))")],
            "your da0 is all zeros: the gradient reaching the initial state is what the first "
            "step passes back"),
    # lstm_cell_forward
    Mistake("concat_order", "lstm_cell_forward",
            [("np.concatenate((a_prev, xt), axis=0)", "np.concatenate((xt, a_prev), axis=0)")],
            "your concatenation stacks a_prev and xt in another order than the gate weights' "
            "columns expect (the shapes fit either way)"),
    Mistake("wrong_activation", "lstm_cell_forward",
            [("a_next = ot * np.tanh(c_next)", "a_next = ot * c_next")],
            "your a_next gates the memory state as it is: the output gate multiplies a squashed "
            "version of it"),
    Mistake("output_from_previous_state", "lstm_cell_forward",
            [("softmax(Wy @ a_next + by)", "softmax(Wy @ a_prev + by)")],
            "your yt_pred is computed from the hidden state before this step: the prediction "
            "at step t reads the state this step has just computed"),
    # lstm_forward
    Mistake("no_recurrence", "lstm_forward",
            [("lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)",
              "lstm_cell_forward(x[:, :, t], a0, c_next, parameters)")],
            "every step of yours starts again from a0: each step's hidden state is the next "
            "step's a_prev"),
    Mistake("memory_not_carried", "lstm_forward",
            [("lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)",
              "lstm_cell_forward(x[:, :, t], a_next, np.zeros((n_a, m)), parameters)")],
            "your memory state starts empty at every step: each step's c_next is the next "
            "step's c_prev"),
    Mistake("wrong_initial_state", "lstm_forward",
            [("    a_next = a0\n", "    a_next = np.zeros((n_a, m))\n")],
            "your first step ignores the initial hidden state it is given: which state does "
            "step 0 start from?"),
    Mistake("return_order", "lstm_forward",
            [("return a, y, c, caches", "return a, c, y, caches")],
            "your return values come in another order than the docstring's"),
    Mistake("cache_shares_memory", "lstm_forward",
            [("c_next = np.zeros((n_a, m))", "c_next = c[:, :, 0]")],
            "the c_prev in your first cache changes after the step: your initial memory state "
            "shares memory with an array you write into later"),
    Mistake("off_by_one_in_time", "lstm_forward",
            [("for t in range(T_x):", "for t in range(1, T_x):")],
            "your loop skips the first time step: x has T_x steps, numbered from 0"),
    # lstm_cell_backward
    Mistake("missing_transpose", "lstm_cell_backward",
            [("da_prev = dconcat[:n_a, :]",
              'da_prev = (parameters["Wf"][:, :n_a] @ dft + parameters["Wi"][:, :n_a] @ dit\n'
              '               + parameters["Wc"][:, :n_a] @ dcct'
              ' + parameters["Wo"][:, :n_a] @ dot)')],
            "your da_prev multiplies by the gates' a_prev blocks the way the forward pass does "
            "(they are square, so the shape fits): the gradient goes the other way through them"),
    Mistake("wrong_split", "lstm_cell_backward",
            [("dxt = dconcat[n_a:, :]", "dxt = dconcat[:xt.shape[0], :]")],
            "your dxt comes from the weight columns that multiply a_prev: which part of the "
            "concatenation did xt fill?"),
    Mistake("missing_gradient_path", "lstm_cell_backward",
            [("dc_prev = dc * ft", "dc_prev = dc_next * ft")],
            "your dc_prev misses the path through a_next: c_next reaches the loss directly and "
            "through a_next, and both flow back to c_prev"),
    Mistake("output_gate_missing_tanh", "lstm_cell_backward",
            [("dot = da_next * tanh_c * ot * (1 - ot)", "dot = da_next * ot * (1 - ot)")],
            "your output-gate gradient leaves out what the gate multiplies in a_next"),
    Mistake("upstream_gradient_dropped", "lstm_cell_backward",
            [("dc = dc_next + da_next", "dc = da_next")],
            "your gradients leave out dc_next: the memory state also reaches the loss directly"),
    Mistake("tanh_derivative_twice", "lstm_cell_backward",
            [("dc * it * (1 - cct ** 2)", "dc * it * (1 - np.tanh(cct) ** 2)")],
            "your candidate's tanh derivative applies tanh again to cct, which already is a tanh"),
    Mistake("concat_order", "lstm_cell_backward",
            [("np.concatenate((a_prev, xt), axis=0)", "np.concatenate((xt, a_prev), axis=0)")],
            "your weight gradients stack a_prev and xt in another order than the forward pass "
            "did"),
    Mistake("bias_gradient_not_summed", "lstm_cell_backward",
            [(f"np.sum({g}, axis=1, keepdims=True)", g) for g in ("dft", "dit", "dcct", "dot")],
            "your bias gradients keep one column per example: each bias is shared by all the "
            "examples, so their contributions add up"),
    # lstm_backward
    Mistake("gradient_not_carried", "lstm_backward",
            [("da[:, :, t] + da_prevt", "da[:, :, t]")],
            "the hidden-state gradient flowing back through time is dropped: a<t> also feeds "
            "the next step, so the da_prev of the later step belongs to it too"),
    Mistake("memory_gradient_not_carried", "lstm_backward",
            [("dc_prevt, caches[t]", "np.zeros((n_a, m)), caches[t]")],
            "the memory-state gradient flowing back through time is dropped: c<t> feeds the "
            "next step, so the dc_prev of the later step belongs to it"),
    Mistake("upstream_gradient_dropped", "lstm_backward",
            [("da_prevt = np.zeros((n_a, m))", "da_prevt = da[:, :, T_x - 1]"),
             ("da[:, :, t] + da_prevt", "da_prevt")],
            "only the last step's upstream gradient enters your backward pass: the loss reads "
            "every hidden state, so every da[:, :, t] comes in"),
    Mistake("wrong_time_order", "lstm_backward",
            [("for t in reversed(range(T_x)):", "for t in range(T_x):")],
            "your backward pass runs forwards in time: a step's gradient needs the later "
            "steps' first"),
    Mistake("assign_instead_of_accumulate", "lstm_backward",
            [(f'{g} += gradients["{g}"]', f'{g} = gradients["{g}"]') for g in LSTM_WEIGHTS],
            "your weight gradients are those of one step: the same weights act at every step, "
            "so their gradients add up over time"),
    Mistake("da0_not_set", "lstm_backward",
            [("da0 = da_prevt", "da0 = np.zeros((n_a, m))")],
            "your da0 is all zeros: the gradient reaching the initial state is what the first "
            "step passes back"),
]
