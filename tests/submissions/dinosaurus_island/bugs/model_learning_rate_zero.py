"""Learning rate of 0 passed to optimize (learning_rate=0): the parameters never change.

model; the loss never goes down and the sampled names stay random.

mistake: none
"""
import numpy as np


def model(data_x, ix_to_char, char_to_ix, num_iterations=35000, n_a=50, dino_names=7, vocab_size=27, verbose=False):
    """Trains the character-level model on the names and samples a few names along the way."""
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

        curr_loss, gradients, a_prev = optimize(X, Y, a_prev, parameters, learning_rate=0)

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
