"""Named mistakes of `rnn_language_model`: each an edit of one reference function
(autograder/mistakes.py). Never shipped to students."""
from autograder.mistakes import Mistake

MISTAKES = [
    # forward_propagation
    Mistake("wrong_activation", "forward_propagation",
            [("np.tanh(self.U[:, x[t]] + self.W @ s[t - 1])",
              "self.U[:, x[t]] + self.W @ s[t - 1]")],
            "your states are what the pre-activation gives without its nonlinearity: which "
            "function squashes U[:, x[t]] + W s[t-1]?"),
    Mistake("no_recurrence", "forward_propagation",
            [("self.U[:, x[t]] + self.W @ s[t - 1]", "self.U[:, x[t]]")],
            "your states ignore the previous state: where does W s[t-1] come in?"),
    Mistake("softmax_wrong_input", "forward_propagation",
            [("softmax(self.V @ s[t])", "self.V @ softmax(s[t])")],
            "your outputs apply the softmax to the hidden state: the softmax turns the scores "
            "V s[t] into probabilities"),
    Mistake("output_from_previous_state", "forward_propagation",
            [("softmax(self.V @ s[t])", "softmax(self.V @ s[t - 1])")],
            "your o[t] is computed from the state before step t: which state predicts the word "
            "after x[t]?"),
    Mistake("off_by_one_in_time", "forward_propagation",
            [("s[t] = np.tanh(self.U[:, x[t]] + self.W @ s[t - 1])",
              "s[t + 1] = np.tanh(self.U[:, x[t]] + self.W @ s[t])"),
             ("o[t] = softmax(self.V @ s[t])", "o[t] = softmax(self.V @ s[t + 1])")],
            "your states are stored one row late, with the zero state first: s[t] is the state "
            "after word x[t], and the zero initial state is the last row, s[-1]"),
    # predict
    Mistake("returns_probabilities", "predict",
            [("np.argmax(o, axis=1)", "np.max(o, axis=1)")],
            "you return the largest probability at each step; predict returns the index of the "
            "most likely word"),
    Mistake("argmax_wrong_axis", "predict",
            [("np.argmax(o, axis=1)", "np.argmax(o, axis=0)")],
            "your argmax runs over the time steps: o[t] holds one probability per word"),
    # calculate_total_loss
    Mistake("loss_without_log", "calculate_total_loss",
            [("-np.sum(np.log(correct_word_predictions))", "-np.sum(correct_word_predictions)")],
            "your loss adds up probabilities: the cross-entropy adds up their negative logs"),
    Mistake("loss_last_sentence_only", "calculate_total_loss",
            [("L += -np.sum", "L = -np.sum")],
            "your loss is that of the last sentence only: is each sentence's loss added to L?"),
    Mistake("targets_misaligned", "calculate_total_loss",
            [("o[np.arange(len(y[i])), y[i]]", "o[np.arange(len(y[i])), x[i]]")],
            "your loss scores each input word, not the word that follows it: which list holds "
            "the targets?"),
    # calculate_loss
    Mistake("loss_per_sentence", "calculate_loss",
            [("N = sum(len(y_i) for y_i in y)", "N = len(y)")],
            "your loss is divided by the number of sentences: it is the loss per target word"),
    # bptt
    Mistake("truncation_ignored", "bptt",
            [("max(0, t - self.bptt_truncate)", "0")],
            "your gradients go back to the first step whatever bptt_truncate is: where does the "
            "error of step t stop?"),
    Mistake("truncation_off_by_one", "bptt",
            [("max(0, t - self.bptt_truncate)", "max(0, t - self.bptt_truncate + 1)")],
            "your error flows back one step fewer than bptt_truncate allows: it covers steps t "
            "down to t - bptt_truncate, bptt_truncate + 1 steps"),
    Mistake("truncation_off_by_one", "bptt",
            [("max(0, t - self.bptt_truncate)", "max(0, t - self.bptt_truncate - 1)")],
            "your error flows back one step further than bptt_truncate allows: it covers steps t "
            "down to t - bptt_truncate, bptt_truncate + 1 steps"),
    Mistake("missing_transpose", "bptt",
            [("delta_t = (self.W.T @ delta_t)", "delta_t = (self.W @ delta_t)")],
            "your dLdU and dLdW are what W instead of W.T gives when the error goes back a step "
            "(W is square, so every shape is right): which matrix maps it back?"),
    Mistake("tanh_derivative_wrong_state", "bptt",
            [("* (1 - s[bptt_step - 1] ** 2)", "* (1 - s[bptt_step] ** 2)")],
            "going back a step, your tanh derivative uses the state of the step you come from: "
            "it is the derivative at the earlier step's state"),
    Mistake("tanh_derivative_missing", "bptt",
            [("delta_t = (self.V.T @ delta_o[t]) * (1 - s[t] ** 2)",
              "delta_t = self.V.T @ delta_o[t]")],
            "the error at the output step skips the tanh: s[t] is a tanh, so its derivative "
            "1 - s[t]**2 applies there too"),
    Mistake("label_not_subtracted", "bptt",
            [("delta_o[np.arange(T), y] -= 1.0", "pass")],
            "your output error is o itself: the gradient of the cross-entropy w.r.t. the scores "
            "is o minus the one-hot target"),
    Mistake("wrong_initial_state", "bptt",
            [("o, s = self.forward_propagation(x)", "o, s = self.forward_propagation(x)\n"
              "    s = s[:-1]")],
            "at step 0 your gradients read the last state instead of the zero initial state "
            "s[-1] (the extra row forward_propagation returns)"),
    # sgd_step
    Mistake("update_wrong_sign", "sgd_step",
            [("self.U -= learning_rate * dLdU", "self.U += learning_rate * dLdU"),
             ("self.V -= learning_rate * dLdV", "self.V += learning_rate * dLdV"),
             ("self.W -= learning_rate * dLdW", "self.W += learning_rate * dLdW")],
            "your step goes up the gradient: gradient descent subtracts it"),
    Mistake("parameter_not_updated", "sgd_step",
            [("    self.W -= learning_rate * dLdW\n", "")],
            "one of U, V, W is left as it was: each takes a step"),
    Mistake("learning_rate_ignored", "sgd_step",
            [("self.U -= learning_rate * dLdU", "self.U -= 0.005 * dLdU"),
             ("self.V -= learning_rate * dLdV", "self.V -= 0.005 * dLdV"),
             ("self.W -= learning_rate * dLdW", "self.W -= 0.005 * dLdW")],
            "your step does not use the learning_rate it is given"),
    # train_with_sgd
    Mistake("learning_rate_not_halved", "train_with_sgd",
            [("learning_rate = learning_rate * 0.5", "learning_rate = learning_rate")],
            "the learning rate stays the same when the loss goes up: halve it then"),
    Mistake("learning_rate_compared_with_first", "train_with_sgd",
            [("losses[-1][1] > losses[-2][1]", "losses[-1][1] > losses[0][1]")],
            "you compare the loss with the first evaluation's: compare it with the previous "
            "one"),
    Mistake("learning_rate_halved_on_equal", "train_with_sgd",
            [("losses[-1][1] > losses[-2][1]", "losses[-1][1] >= losses[-2][1]")],
            "you halve the learning rate when the loss stays the same: only when it goes up"),
    Mistake("loss_evaluated_every_epoch", "train_with_sgd",
            [("if epoch % evaluate_loss_after == 0:", "if True:")],
            "you evaluate the loss at every epoch: only every evaluate_loss_after-th"),
    Mistake("learning_rate_reset_each_epoch", "train_with_sgd",
            [("    for epoch in range(nepoch):\n", "    for epoch in range(nepoch):\n"
              "        lr = learning_rate\n"),
             ("learning_rate = learning_rate * 0.5", "lr = lr * 0.5"),
             ("model.sgd_step(X_train[i], y_train[i], learning_rate)",
              "model.sgd_step(X_train[i], y_train[i], lr)")],
            "your halved learning rate is forgotten at the next epoch: once halved, it stays "
            "halved"),
    Mistake("returns_nothing", "train_with_sgd",
            [("    return losses\n", "")],
            "your function returns nothing: return the list of (num_examples_seen, loss)"),
    Mistake("epochs_counted_not_examples", "train_with_sgd",
            [("            num_examples_seen += 1\n", ""),
             ("        for i in range(len(y_train)):", "        num_examples_seen += 1\n"
              "        for i in range(len(y_train)):")],
            "num_examples_seen counts epochs: it counts the sgd_step calls made"),
]
