"""The halving is undone: each epoch starts again from the learning rate passed in.

train_with_sgd; a halved rate is used only in the epoch where the loss went up, then the initial rate comes back.

mistake: learning_rate_reset_each_epoch
"""
import numpy as np


def train_with_sgd(model, X_train, y_train, learning_rate=0.005, nepoch=100, evaluate_loss_after=5):
    # We keep track of the losses so we can plot them later
    losses = []
    num_examples_seen = 0
    for epoch in range(nepoch):
        # The learning rate for this epoch
        lr = learning_rate
        # Optionally evaluate the loss
        if (epoch % evaluate_loss_after == 0):
            loss = model.calculate_loss(X_train, y_train)
            losses.append((num_examples_seen, loss))
            print("Loss after num_examples_seen=%d epoch=%d: %f" % (num_examples_seen, epoch, loss))
            # Adjust the learning rate if loss increases
            if (len(losses) > 1 and losses[-1][1] > losses[-2][1]):
                lr = lr * 0.5
                print("Setting learning rate to %f" % lr)
        # For each training example...
        for i in range(len(y_train)):
            # One SGD step
            model.sgd_step(X_train[i], y_train[i], lr)
            num_examples_seen += 1
    return losses
