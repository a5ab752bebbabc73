"""evaluate_loss_after ignored: the loss is evaluated (and the learning rate adjusted) at every epoch.

train_with_sgd; too many evaluations, and halvings at the wrong epochs.

mistake: loss_evaluated_every_epoch
"""
import numpy as np


def train_with_sgd(model, X_train, y_train, learning_rate=0.005, nepoch=100, evaluate_loss_after=5):
    # We keep track of the losses so we can plot them later
    losses = []
    num_examples_seen = 0
    for epoch in range(nepoch):
        # Evaluate the loss
        loss = model.calculate_loss(X_train, y_train)
        losses.append((num_examples_seen, loss))
        print("Loss after num_examples_seen=%d epoch=%d: %f" % (num_examples_seen, epoch, loss))
        # Adjust the learning rate if loss increases
        if (len(losses) > 1 and losses[-1][1] > losses[-2][1]):
            learning_rate = learning_rate * 0.5
            print("Setting learning rate to %f" % learning_rate)
        # For each training example...
        for i in range(len(y_train)):
            # One SGD step
            model.sgd_step(X_train[i], y_train[i], learning_rate)
            num_examples_seen += 1
    return losses
