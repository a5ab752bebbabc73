"""What a front-end tells the user when the request itself cannot be carried out."""


class BadInput(Exception):
    """What the user asked for cannot be done; the message is the one line they see."""


class ClusterError(Exception):
    """The cluster cannot grade; the message is one sentence for the user."""
