"""Named mistakes of `dinosaurus_island`: each an edit of one reference function
(autograder/mistakes.py). Never shipped to students.

`sample` and `model` are graded by behaviour through checks that do not observe (yet): a
mistake of theirs could not be named, so they have none here."""
from autograder.mistakes import Mistake

MISTAKES = [
    # rnn_step_forward
    Mistake("no_recurrence", "rnn_step_forward",
            [("np.tanh(Wax @ x + Waa @ a_prev + b)", "np.tanh(Wax @ x + b)")],
            "your a_next ignores a_prev: where does the previous hidden state come in?"),
    Mistake("missing_bias", "rnn_step_forward",
            [("np.tanh(Wax @ x + Waa @ a_prev + b)", "np.tanh(Wax @ x + Waa @ a_prev)")],
            "your a_next leaves out a term of its pre-activation: the one that depends on "
            "neither x nor a_prev"),
    Mistake("softmax_missing", "rnn_step_forward",
            [("p_t = softmax(Wya @ a_next + by)", "p_t = Wya @ a_next + by")],
            "your p_t are scores, not probabilities: what turns Wya a_next + by into a "
            "probability vector?"),
    # rnn_step_backward
    Mistake("missing_transpose", "rnn_step_backward",
            [('gradients["da_next"] = Waa.T @ daraw', 'gradients["da_next"] = Waa @ daraw')],
            "your da_next is what Waa instead of Waa.T gives (Waa is square, so the shape is "
            "right): which matrix maps daraw back to a_prev?"),
    Mistake("tanh_derivative_wrong_state", "rnn_step_backward",
            [("daraw = (1 - a * a) * da", "daraw = (1 - a_prev * a_prev) * da")],
            "your tanh derivative uses a_prev: the tanh made a, so its derivative is taken at a"),
    Mistake("gradient_not_carried", "rnn_step_backward",
            [('da = Wya.T @ dy + gradients["da_next"]', "da = Wya.T @ dy")],
            "your da leaves out the da_next coming back from the later steps: a feeds this "
            "step's output and the next step"),
    Mistake("assign_instead_of_accumulate", "rnn_step_backward",
            [('gradients["dWya"] += dy @ a.T', 'gradients["dWya"] = dy @ a.T'),
             ('gradients["dby"] += dy', 'gradients["dby"] = dy'),
             ('gradients["db"] += daraw', 'gradients["db"] = daraw'),
             ('gradients["dWax"] += daraw @ x.T', 'gradients["dWax"] = daraw @ x.T'),
             ('gradients["dWaa"] += daraw @ a_prev.T', 'gradients["dWaa"] = daraw @ a_prev.T')],
            "your weight gradients are this step's alone: the gradients passed in hold the "
            "later steps' contributions, and this step's adds to them"),
    # rnn_forward
    Mistake("wrong_initial_state", "rnn_forward",
            [("a[-1] = np.copy(a0)", "a[-1] = np.zeros_like(a0)")],
            "your first step does not start from the a0 you are given: the state carried over "
            "from the previous name is lost"),
    # rnn_backward
    Mistake("label_not_subtracted", "rnn_backward",
            [("dy[Y[t]] -= 1", "pass")],
            "your dy is y_hat itself: the gradient of the cross-entropy w.r.t. the logits is "
            "y_hat minus the one-hot target"),
    Mistake("wrong_time_order", "rnn_backward",
            [("for t in reversed(range(len(X))):", "for t in range(len(X)):")],
            "your backward pass runs forwards in time: the gradient of a step needs the later "
            "steps' first"),
    # update_parameters
    Mistake("update_wrong_sign", "update_parameters",
            [('parameters["Wax"] += -lr', 'parameters["Wax"] += lr'),
             ('parameters["Waa"] += -lr', 'parameters["Waa"] += lr'),
             ('parameters["Wya"] += -lr', 'parameters["Wya"] += lr'),
             ('parameters["b"] += -lr', 'parameters["b"] += lr'),
             ('parameters["by"] += -lr', 'parameters["by"] += lr')],
            "your step goes up the gradient: gradient descent subtracts it"),
    Mistake("learning_rate_ignored", "update_parameters",
            [('parameters["Wax"] += -lr', 'parameters["Wax"] += -0.01'),
             ('parameters["Waa"] += -lr', 'parameters["Waa"] += -0.01'),
             ('parameters["Wya"] += -lr', 'parameters["Wya"] += -0.01'),
             ('parameters["b"] += -lr', 'parameters["b"] += -0.01'),
             ('parameters["by"] += -lr', 'parameters["by"] += -0.01')],
            "your step does not use the lr it is given"),
    *[Mistake("parameter_not_updated", "update_parameters",
              [(f'    parameters["{name}"] += -lr * gradients["d{name}"]\n', "")],
              f"your {name} is left as it was: every parameter takes a step")
      for name in ("Wax", "Waa", "Wya", "b", "by")],
    # clip
    Mistake("clip_wrong_bounds", "clip",
            [("np.clip(gradients[key], -maxValue, maxValue)",
              "np.clip(gradients[key], 0, maxValue)")],
            "your clipped gradients have no negative entries: the range is symmetric around 0"),
    *[Mistake("max_value_ignored", "clip",
              [("np.clip(gradients[key], -maxValue, maxValue)",
                f"np.clip(gradients[key], -{value}, {value})")],
              "your clipping range does not depend on the maxValue you are given")
      for value in (10, 5)],
    Mistake("clip_incomplete", "clip",
            [("key: np.clip(gradients[key], -maxValue, maxValue)",
              'key: np.clip(gradients[key], -maxValue, maxValue) if key.startswith("dW") '
              "else gradients[key]")],
            "db and dby come back unclipped: every one of the five gradients is clipped"),
    Mistake("clip_not_applied", "clip",
            [("np.clip(gradients[key], -maxValue, maxValue)", "gradients[key]")],
            "your gradients come back unclipped: np.clip returns a new array (or writes into "
            "the one given as out=), so what happens to its result?"),
    # optimize
    Mistake("clip_not_applied", "optimize",
            [("    gradients = clip(gradients, 5)\n", "")],
            "the gradients go into the update unclipped: the step clips them first"),
    Mistake("clip_wrong_bounds", "optimize",
            [("clip(gradients, 5)", "clip(gradients, 10)")],
            "your gradients are clipped to another range than the step asks for: check the "
            "maxValue you pass to clip"),
    Mistake("learning_rate_ignored", "optimize",
            [("update_parameters(parameters, gradients, learning_rate)",
              "update_parameters(parameters, gradients, 0.01)")],
            "your update does not use the learning_rate optimize is given"),
    Mistake("parameter_not_updated", "optimize",
            [("    update_parameters(parameters, gradients, learning_rate)\n", "")],
            "your parameters are left as they were: the step ends with an update"),
    Mistake("wrong_state_returned", "optimize",
            [("return loss, gradients, a[len(X) - 1]", "return loss, gradients, a[0]")],
            "the hidden state you return is not the one after the last character: it is the "
            "state the next name starts from"),
    # sample (named by replaying the student's samples through each variant:
    # behaviour/sampling.py)
    Mistake("sampling_argmax", "sample",
            [("idx = rng.choice(vocab_size, p=y.ravel())", "idx = int(np.argmax(y))")],
            "every name you sample is the same: each character is drawn at random with the "
            "probabilities y, not the most likely one"),
    Mistake("sampling_uniform", "sample",
            [("idx = rng.choice(vocab_size, p=y.ravel())", "idx = rng.choice(vocab_size)")],
            "your characters are drawn as if every one were equally likely: pass the model's "
            "probabilities to the draw"),
    Mistake("sampling_input_not_updated", "sample",
            [("        x[idx] = 1\n", "")],
            "the next input never holds the character just drawn: it is the one-hot vector of "
            "that character"),
    Mistake("sampling_input_not_reset", "sample",
            [("        x = np.zeros((vocab_size, 1))\n        x[idx] = 1",
              "        x[idx] = 1")],
            "your next input keeps the earlier characters' ones: each input is a fresh one-hot "
            "vector"),
    Mistake("sampling_state_not_carried", "sample",
            [("        a_prev = a\n", "")],
            "every step starts from the zero hidden state: the state of one step is the "
            "previous state of the next"),
    Mistake("sampling_no_stop", "sample",
            [("while idx != newline_character and len(indices) != 50:",
              "while len(indices) != 50:")],
            "your names go on after the newline: stop when it is drawn"),
    Mistake("sampling_wrong_cap", "sample",
            [("while idx != newline_character and len(indices) != 50:",
              "while idx != newline_character and len(indices) != 40:")],
            "your names stop at another length than the cap of 50 characters"),
]
