import collections
import re

import numpy as np

SENTENCE_START = "SENTENCE_START"
SENTENCE_END = "SENTENCE_END"
UNKNOWN_TOKEN = "UNKNOWN_TOKEN"


# ------------------------------------------------------------------ provided helpers

def softmax(x):
    """
    Softmax over the last axis: a vector, or each row of a matrix, becomes a probability vector.

    Arguments:
    x -- logits, numpy array of shape (n,) or (m, n)

    Returns:
    s -- numpy array of the same shape as x; it is non-negative and sums to 1 over the last axis
    """
    # Subtracting the max leaves the result unchanged but keeps exp() from overflowing.
    e_x = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e_x / np.sum(e_x, axis=-1, keepdims=True)


def tokenize(sentence):
    """
    Split a sentence into lower-case tokens: words (letters, digits, apostrophes) and single
    punctuation marks.

    Arguments:
    sentence -- python str, e.g. "The dogs run."

    Returns:
    tokens -- list of python str, e.g. ["the", "dogs", "run", "."]
    """
    return re.findall(r"[\w']+|[^\w\s]", sentence.lower())


def load_corpus(path, vocabulary_size):
    """
    Read a text file with one sentence a line into training pairs of word indices.

    Each sentence is tokenized and framed by SENTENCE_START and SENTENCE_END; blank lines are
    skipped. The vocabulary is UNKNOWN_TOKEN, SENTENCE_START and SENTENCE_END (indices 0, 1
    and 2), then the vocabulary_size - 3 most frequent words, most frequent first (ties in
    order of first appearance). Every other word is replaced by UNKNOWN_TOKEN.

    Arguments:
    path -- path of the text file (UTF-8), python str or pathlib.Path
    vocabulary_size -- largest number of tokens in the vocabulary, python int, at least 3
                       (fewer when the file has fewer distinct words)

    Returns:
    X_train -- list of sentences, each a list of T word indices: the sentence without its
               last token (it starts with SENTENCE_START)
    y_train -- list of sentences, each a list of T word indices: the sentence without its
               first token (it ends with SENTENCE_END), so y_train[i][t] is the word after
               X_train[i][t]
    word_to_index -- python dictionary mapping a token to its index
    index_to_word -- list of the tokens, index_to_word[i] having index i
    """
    if vocabulary_size < 3:
        raise ValueError("vocabulary_size must be at least 3 (the three special tokens)")
    with open(path, encoding="utf-8") as f:
        sentences = [tokenize(line) for line in f if line.strip()]

    word_freq = collections.Counter(w for sentence in sentences for w in sentence)
    vocab = word_freq.most_common(vocabulary_size - 3)
    index_to_word = [UNKNOWN_TOKEN, SENTENCE_START, SENTENCE_END] + [w for w, _ in vocab]
    word_to_index = {w: i for i, w in enumerate(index_to_word)}

    X_train, y_train = [], []
    for sentence in sentences:
        words = [SENTENCE_START] + [w if w in word_to_index else UNKNOWN_TOKEN
                                    for w in sentence] + [SENTENCE_END]
        indices = [word_to_index[w] for w in words]
        X_train.append(indices[:-1])
        y_train.append(indices[1:])
    return X_train, y_train, word_to_index, index_to_word


class RNN:
    """
    A word-level RNN language model: s[t] = tanh(U[:, x[t]] + W s[t-1]), o[t] = softmax(V s[t]).

    Its weights are drawn with np.random.uniform: call np.random.seed(...) first for
    reproducible weights. The methods are module-level functions attached to the class.

    Arguments:
    word_dim -- size of the vocabulary, python int
    hidden_dim -- number of hidden units, python int
    bptt_truncate -- how many steps before a word's own step its error is backpropagated
                     through, python int

    Attributes:
    word_dim, hidden_dim, bptt_truncate -- the arguments
    U -- input-to-hidden weights, numpy array of shape (hidden_dim, word_dim),
         uniform in [-sqrt(1/word_dim), sqrt(1/word_dim)] (drawn first)
    V -- hidden-to-output weights, numpy array of shape (word_dim, hidden_dim),
         uniform in [-sqrt(1/hidden_dim), sqrt(1/hidden_dim)] (drawn second)
    W -- hidden-to-hidden weights, numpy array of shape (hidden_dim, hidden_dim),
         uniform in [-sqrt(1/hidden_dim), sqrt(1/hidden_dim)] (drawn third)
    """

    def __init__(self, word_dim, hidden_dim=100, bptt_truncate=4):
        self.word_dim = word_dim
        self.hidden_dim = hidden_dim
        self.bptt_truncate = bptt_truncate
        self.U = np.random.uniform(-np.sqrt(1.0 / word_dim), np.sqrt(1.0 / word_dim),
                                   (hidden_dim, word_dim))
        self.V = np.random.uniform(-np.sqrt(1.0 / hidden_dim), np.sqrt(1.0 / hidden_dim),
                                   (word_dim, hidden_dim))
        self.W = np.random.uniform(-np.sqrt(1.0 / hidden_dim), np.sqrt(1.0 / hidden_dim),
                                   (hidden_dim, hidden_dim))


# ------------------------------------------------------------------ graded functions

def forward_propagation(self, x):
    """
    Forward pass over one sentence.

    Arguments:
    self -- the RNN, with U of shape (hidden_dim, word_dim), V of shape (word_dim, hidden_dim)
            and W of shape (hidden_dim, hidden_dim)
    x -- list of T word indices

    Returns:
    o -- probabilities of the next word, numpy array of shape (T, word_dim):
         o[t] = softmax(V s[t])
    s -- hidden states, numpy array of shape (T + 1, hidden_dim):
         s[t] = tanh(U[:, x[t]] + W s[t-1]) for t = 0..T-1, and the last row, s[-1] (= s[T]),
         is the zero initial state, which s[t-1] reads at t = 0
    """
    T = len(x)
    s = np.zeros((T + 1, self.hidden_dim))
    o = np.zeros((T, self.word_dim))
    for t in range(T):
        # U[:, x[t]] is U times the one-hot vector of word x[t].
        s[t] = np.tanh(self.U[:, x[t]] + self.W @ s[t - 1])
        o[t] = softmax(self.V @ s[t])
    return o, s


RNN.forward_propagation = forward_propagation


def predict(self, x):
    """
    The most likely next word at each step of one sentence.

    Arguments:
    self -- the RNN
    x -- list of T word indices

    Returns:
    predictions -- numpy array of shape (T,): the index of the largest entry of o[t]
    """
    o, s = self.forward_propagation(x)
    return np.argmax(o, axis=1)


RNN.predict = predict


def calculate_total_loss(self, x, y):
    """
    Cross-entropy summed over every word of every sentence.

    Arguments:
    self -- the RNN
    x -- list of N sentences, x[i] a list of T_i word indices (the inputs)
    y -- list of N sentences, y[i] a list of T_i word indices (the targets: the words that
         follow x[i])

    Returns:
    L -- sum over i and t of -log o_i[t, y[i][t]], where o_i is the output of
         forward_propagation(x[i]), python float
    """
    L = 0.0
    for i in range(len(y)):
        o, s = self.forward_propagation(x[i])
        correct_word_predictions = o[np.arange(len(y[i])), y[i]]
        L += -np.sum(np.log(correct_word_predictions))
    return float(L)


RNN.calculate_total_loss = calculate_total_loss


def calculate_loss(self, x, y):
    """
    Cross-entropy per target word.

    Arguments:
    self -- the RNN
    x -- list of N sentences, x[i] a list of T_i word indices
    y -- list of N sentences, y[i] a list of T_i word indices

    Returns:
    loss -- calculate_total_loss(x, y) divided by the number of target words, sum of the T_i,
            python float
    """
    N = sum(len(y_i) for y_i in y)
    return self.calculate_total_loss(x, y) / N


RNN.calculate_loss = calculate_loss


def bptt(self, x, y):
    """
    Truncated backpropagation through time of the loss of one sentence,
    sum over t of -log o[t, y[t]].

    The error of the output at step t flows back through the steps t, t-1, ...,
    max(0, t - bptt_truncate): bptt_truncate + 1 steps at most. With bptt_truncate >= T - 1
    this is the exact gradient. Nothing is modified: neither x, y nor the RNN.

    Arguments:
    self -- the RNN, with U, V, W and bptt_truncate
    x -- list of T word indices (the inputs)
    y -- list of T word indices (the targets)

    Returns:
    dLdU -- gradient w.r.t. U, numpy array of shape (hidden_dim, word_dim)
    dLdV -- gradient w.r.t. V, numpy array of shape (word_dim, hidden_dim)
    dLdW -- gradient w.r.t. W, numpy array of shape (hidden_dim, hidden_dim)
    (as a tuple, in this order)
    """
    T = len(y)
    o, s = self.forward_propagation(x)
    dLdU = np.zeros(self.U.shape)
    dLdV = np.zeros(self.V.shape)
    dLdW = np.zeros(self.W.shape)

    # Gradient of -log o[t, y[t]] w.r.t. the logits V s[t]: o[t] - one_hot(y[t]).
    # A copy: delta_o = o would make the next line change o too.
    delta_o = o.copy()
    delta_o[np.arange(T), y] -= 1.0

    for t in reversed(range(T)):
        dLdV += np.outer(delta_o[t], s[t])
        # Gradient w.r.t. the pre-activation of step t: d tanh(z)/dz = 1 - tanh(z)^2.
        delta_t = (self.V.T @ delta_o[t]) * (1 - s[t] ** 2)
        # Back through steps t, t-1, ..., max(0, t - bptt_truncate).
        # At step 0, s[bptt_step - 1] is s[-1], the zero initial state.
        for bptt_step in reversed(range(max(0, t - self.bptt_truncate), t + 1)):
            dLdW += np.outer(delta_t, s[bptt_step - 1])
            dLdU[:, x[bptt_step]] += delta_t
            # Gradient w.r.t. the pre-activation of the step before.
            delta_t = (self.W.T @ delta_t) * (1 - s[bptt_step - 1] ** 2)
    return dLdU, dLdV, dLdW


RNN.bptt = bptt


def sgd_step(self, x, y, learning_rate):
    """
    One step of stochastic gradient descent on one sentence, updating U, V and W in place.

    Arguments:
    self -- the RNN; its arrays U, V, W are updated in place
    x -- list of T word indices (the inputs)
    y -- list of T word indices (the targets)
    learning_rate -- python float

    Returns:
    None
    """
    dLdU, dLdV, dLdW = self.bptt(x, y)
    self.U -= learning_rate * dLdU
    self.V -= learning_rate * dLdV
    self.W -= learning_rate * dLdW


RNN.sgd_step = sgd_step


def train_with_sgd(model, X_train, y_train, learning_rate=0.005, nepoch=100, evaluate_loss_after=5):
    """
    Train with stochastic gradient descent: one sgd_step per sentence, in order, nepoch times.

    At the start of every epoch that is a multiple of evaluate_loss_after, the loss per word
    on the whole training set is evaluated, recorded and printed, and the learning rate is
    halved if that loss is higher than at the previous evaluation.

    Arguments:
    model -- the RNN; its U, V, W are updated in place
    X_train -- list of sentences, each a list of word indices (the inputs)
    y_train -- list of sentences, each a list of word indices (the targets)
    learning_rate -- initial learning rate, python float
    nepoch -- number of passes over the training set, python int
    evaluate_loss_after -- evaluate the loss every this many epochs, python int

    Returns:
    losses -- list of (num_examples_seen, loss) tuples, one per evaluation: the number of
              sgd_step calls made before it (python int) and model.calculate_loss(X_train,
              y_train) (python float)
    """
    losses = []
    num_examples_seen = 0
    for epoch in range(nepoch):
        if epoch % evaluate_loss_after == 0:
            loss = model.calculate_loss(X_train, y_train)
            losses.append((num_examples_seen, loss))
            print("Loss after num_examples_seen=%d epoch=%d: %f" % (num_examples_seen, epoch, loss))
            # The loss went up: the steps are too large.
            if len(losses) > 1 and losses[-1][1] > losses[-2][1]:
                learning_rate = learning_rate * 0.5
                print("Setting learning rate to %f" % learning_rate)
        for i in range(len(y_train)):
            model.sgd_step(X_train[i], y_train[i], learning_rate)
            num_examples_seen += 1
    return losses


def generate_sentence(model, word_to_index, index_to_word, seed, max_words=30):
    """
    Sample a sentence from the model, one word at a time.

    Starting from [SENTENCE_START], each next word is drawn with
    rng.choice(model.word_dim, p=o[-1]), rng = np.random.default_rng(seed), where o is the
    output of forward_propagation on the sentence so far; an UNKNOWN_TOKEN drawn is
    drawn again. It stops after SENTENCE_END, or after max_words words.

    Arguments:
    model -- the RNN, with word_dim and forward_propagation
    word_to_index -- python dictionary mapping a token to its index
    index_to_word -- list of the tokens, index_to_word[i] having index i
    seed -- seed of the random generator, python int; the same seed gives the same sentence
    max_words -- largest number of words returned, python int

    Returns:
    sentence -- list of the sampled words (python str), without SENTENCE_START and
                SENTENCE_END, never UNKNOWN_TOKEN
    """
    rng = np.random.default_rng(seed)
    new_sentence = [word_to_index[SENTENCE_START]]
    end = word_to_index[SENTENCE_END]
    unknown = word_to_index[UNKNOWN_TOKEN]
    while new_sentence[-1] != end and len(new_sentence) <= max_words:
        o, s = model.forward_propagation(new_sentence)
        sampled_word = unknown
        while sampled_word == unknown:
            sampled_word = rng.choice(model.word_dim, p=o[-1])
        new_sentence.append(sampled_word)
    return [index_to_word[i] for i in new_sentence[1:] if i != end]
