"""Named mistakes of `gradient_checking`: each an edit of one reference function
(autograder/mistakes.py). Never shipped to students."""
from autograder.mistakes import Mistake

MISTAKES = [
    # rel_error
    Mistake("rel_error_no_floor", "rel_error",
            [("np.maximum(1e-8, np.abs(x) + np.abs(y))", "(np.abs(x) + np.abs(y))")],
            "where x and y are both 0 your error is 0/0 = nan, and nan > threshold is False: "
            "what keeps the denominator away from 0?"),
    Mistake("rel_error_relative_to_x", "rel_error",
            [("np.maximum(1e-8, np.abs(x) + np.abs(y))", "np.maximum(1e-8, np.abs(x))")],
            "your error is relative to x alone: the denominator is |x| + |y|"),
    Mistake("rel_error_mean", "rel_error", [("np.max(", "np.mean(")],
            "your error averages over the entries: the largest one is what a check must see"),
    # eval_numerical_gradient
    Mistake("one_sided_difference", "eval_numerical_gradient",
            [("grad[ix] = (fxph - fxmh) / (2 * h)", "grad[ix] = (fxph - f(x)) / h")],
            "your difference is one-sided, with an error of order h: a central difference "
            "(f(x + h) - f(x - h)) / 2h is accurate to order h^2"),
    Mistake("step_not_doubled", "eval_numerical_gradient",
            [("grad[ix] = (fxph - fxmh) / (2 * h)", "grad[ix] = (fxph - fxmh) / h")],
            "your gradient is twice the right one: how far apart are x + h and x - h?"),
    Mistake("probes_first_entry_only", "eval_numerical_gradient",
            [("        it.iternext()\n", "        break\n")],
            "only the first entry of your gradient is filled in: the loop must visit every entry "
            "of x"),
    Mistake("input_not_restored", "eval_numerical_gradient",
            [("        x[ix] = old_value\n", "")],
            "after probing an entry you leave it at old - h: put it back exactly"),
    Mistake("probes_a_copy", "eval_numerical_gradient",
            [("grad = np.zeros(x.shape)", "grad = np.zeros(x.shape)\n    x = x.copy()")],
            "you probe a copy of x, so a function that reads x through another name never sees "
            "the probe: change x itself, then put it back"),
    # eval_numerical_gradient_array
    Mistake("one_sided_difference", "eval_numerical_gradient_array",
            [("grad[ix] = np.sum((pos - neg) * df) / (2 * h)",
              "grad[ix] = np.sum((pos - f(x)) * df) / h")],
            "your difference is one-sided, with an error of order h: a central difference "
            "is accurate to order h^2"),
    Mistake("upstream_gradient_dropped", "eval_numerical_gradient_array",
            [("np.sum((pos - neg) * df)", "np.sum(pos - neg)")],
            "your gradient ignores df: it is the gradient of sum(f(x) * df)"),
    # grad_check
    Mistake("input_not_restored", "grad_check",
            [("        num_grad = eval_numerical_gradient(lambda _: f(), params[name], h)\n",
              "        x = params[name]\n"
              "        num_grad = np.zeros(x.shape)\n"
              "        for ix in np.ndindex(x.shape):\n"
              "            old_value = x[ix]\n"
              "            x[ix] = old_value + h\n"
              "            fxph = f()\n"
              "            x[ix] = old_value - h\n"
              "            fxmh = f()\n"
              "            num_grad[ix] = (fxph - fxmh) / (2 * h)\n")],
            "your check leaves each probed entry at old - h: put it back exactly, so the "
            "parameters are as they were"),
    Mistake("reuses_one_numerical_gradient", "grad_check",
            [("        num_grad = eval_numerical_gradient(lambda _: f(), params[name], h)\n",
              "        if name == next(iter(params)):\n"
              "            num_grad = eval_numerical_gradient(lambda _: f(), params[name], h)\n")],
            "every parameter is compared with one numerical gradient: each needs its own, "
            "probing that parameter"),
    Mistake("wrong_parameter", "grad_check",
            [("for name in params:", "for name, value in zip(grads, params.values()):"),
             ("params[name], h)", "value, h)")],
            "your names and parameters are paired up by their order, but grads may list its "
            "keys in another order than params: look each one up by name"),
    # rnn_cell_forward
    Mistake("softmax_wrong_axis", "rnn_cell_forward",
            [('o = softmax(h @ params["W3"].T + params["bo"])',
              'o = np.exp(h @ params["W3"].T + params["bo"]) / np.sum(np.exp(h @ params["W3"].T'
              ' + params["bo"]), axis=0, keepdims=True)')],
            "your probabilities sum to 1 over the batch: each example's scores become its own "
            "probability vector (the last axis)"),
    Mistake("missing_bias", "rnn_cell_forward",
            [(' + params["bh"])', ")")],
            "your hidden state leaves out a bias: h_t = tanh(x_t W1 + h_prev W2 + bh)"),
    Mistake("no_recurrence", "rnn_cell_forward",
            [(' + h_prev @ params["W2"]', "")],
            "your hidden state ignores h_prev: where does h_prev W2 come in?"),
    # rnn_layer_forward
    Mistake("wrong_initial_state", "rnn_layer_forward",
            [("h, o, cache = rnn_cell_forward(X[:, t], h, params)",
              "h, o, cache = rnn_cell_forward(X[:, t], h0, params)")],
            "every step starts from h0: each step's state is the next step's h_prev"),
    # rnn_loss
    Mistake("loss_of_summed_probabilities", "rnn_loss",
            [("return float(-np.sum(np.log(correct)))",
              "return float(-np.sum(np.log(np.sum(correct, axis=0))))")],
            "your loss takes the log of probabilities summed over the batch: it is the sum of "
            "the logs, one per example and step"),
    Mistake("loss_averaged", "rnn_loss",
            [("return float(-np.sum(np.log(correct)))", "return float(-np.mean(np.log(correct)))")],
            "your loss is a mean: rnn_loss is the sum over the batch and the time steps"),
    # rnn_cell_backward
    Mistake("missing_transpose", "rnn_cell_backward",
            [('dh_prev = dtanh @ params["W2"].T', 'dh_prev = dtanh @ params["W2"]')],
            "your dh_prev is what W2 instead of W2.T gives (W2 is square, so the shape is "
            "right): which matrix maps dtanh back to h_prev?"),
    Mistake("upstream_gradient_dropped", "rnn_cell_backward",
            [('dh = dlogits @ params["W3"] + dh_next', 'dh = dlogits @ params["W3"]')],
            "your gradients leave out dh_next: h feeds this step's output and the later steps"),
    Mistake("tanh_derivative_wrong_state", "rnn_cell_backward",
            [("dtanh = dh * (1 - h ** 2)", "dtanh = dh * (1 - h_prev ** 2)")],
            "your tanh derivative uses h_prev: the tanh made h, so its derivative is 1 - h**2"),
    Mistake("bias_gradient_not_summed", "rnn_cell_backward",
            [("dbh = np.sum(dtanh, axis=0)", "dbh = dtanh")],
            "your dbh keeps the batch axis: bh is added to every example, so its gradient sums "
            "over the batch"),
    Mistake("label_not_subtracted", "rnn_cell_backward",
            [("dlogits[np.arange(B), label] -= 1", "pass")],
            "your output gradient is o itself: the gradient of the cross-entropy w.r.t. the "
            "logits is o minus the one-hot label"),
    # rnn_layer_backward
    Mistake("gradient_not_carried", "rnn_layer_backward",
            [("step = rnn_cell_backward(dh_next,",
              "step = rnn_cell_backward(np.zeros_like(dh_next),")],
            "the gradient flowing back through time is dropped: each step's dh_prev is the "
            "dh_next of the step before"),
    Mistake("wrong_time_order", "rnn_layer_backward",
            [("for t in reversed(range(T)):", "for t in range(T):")],
            "your backward pass runs forwards in time: the gradient of a step needs the later "
            "steps' first"),
    Mistake("assign_instead_of_accumulate", "rnn_layer_backward",
            [('grads["dW1"] += step["dW1"]', 'grads["dW1"] = step["dW1"]'),
             ('grads["dW2"] += step["dW2"]', 'grads["dW2"] = step["dW2"]'),
             ('grads["dW3"] += step["dW3"]', 'grads["dW3"] = step["dW3"]'),
             ('grads["dbh"] += step["dbh"]', 'grads["dbh"] = step["dbh"]'),
             ('grads["dbo"] += step["dbo"]', 'grads["dbo"] = step["dbo"]')],
            "your weight gradients are those of one step: the same weights act at every step, "
            "so their gradients add up over time"),
]
