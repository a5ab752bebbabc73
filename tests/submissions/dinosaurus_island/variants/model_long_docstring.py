"""The model with a docstring as long as the well-known course's: more than 4,000
characters, which must reach the student's process whole."""
import numpy as np


def model(data_x, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7, vocab_size=27, verbose=False):
    """
    Trains the model and generates dinosaur names.

    Arguments:
    data_x -- text corpus, divided in words: a list of names, each ending with a newline
    ix_to_char -- dictionary that maps the index to a character
    char_to_ix -- dictionary that maps a character to an index
    num_iterations -- number of iterations to train the model for
    n_a -- number of units of the RNN cell
    dino_names -- number of dinosaur names you want to sample at each iteration
    vocab_size -- number of unique characters found in the text (size of the vocabulary)
    verbose -- print the loss and the sampled names every 2000 iterations

    Returns:
    parameters -- learned parameters
    last_dino_name -- the last name sampled

    How it works, step by step (notes to myself, copied from the lecture):
    1. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    2. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    3. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    4. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    5. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    6. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    7. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    8. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    9. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    10. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    11. At every iteration, pick one example by index (the index modulo the number of names), build X as [None] followed by the character indices of the name, build Y as X shifted left by one with the newline index appended, run one step of optimize with the learning rate, smooth the loss, and every 2000 iterations print the loss and sample a few names with the seed incremented each time.
    """
    n_x, n_y = vocab_size, vocab_size
    parameters = initialize_parameters(n_a, n_x, n_y)

    # smoothed loss starts at the loss of a uniform guess
    loss = get_initial_loss(vocab_size, dino_names)

    examples = [x.strip() for x in data_x]
    np.random.seed(0)
    np.random.shuffle(examples)

    a_prev = np.zeros((n_a, 1))
    last_name = ""

    for j in range(num_iterations):
        idx = j % len(examples)

        single_example = examples[idx]
        single_example_ix = [char_to_ix[ch] for ch in single_example]
        X = [None] + single_example_ix
        ix_newline = char_to_ix["\n"]
        Y = X[1:] + [ix_newline]

        curr_loss, gradients, a_prev = optimize(X, Y, a_prev, parameters, learning_rate=0.01)

        if verbose and j in [0, len(examples) - 1, len(examples)]:
            print("j = ", j, "idx = ", idx)
            print("single_example =", single_example)
            print("X = ", X, "\nY =       ", Y, "\n")

        loss = smooth(loss, curr_loss)

        if j % 2000 == 0:
            print("Iteration: %d, Loss: %f" % (j, loss) + "\n")
            seed = 0
            for name in range(dino_names):
                sampled_indices = sample(parameters, char_to_ix, seed)
                last_name = print_sample(sampled_indices, ix_to_char)
                seed += 1
            print("\n")

    return parameters, last_name
