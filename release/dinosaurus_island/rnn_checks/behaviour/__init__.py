"""Checks of behaviour, for exercises whose exact output is not the point.

- `SamplingCheck` (a sampler, sampling.py): structure, determinism, the length cap, and the
  distribution, tested without replaying any one random stream.
- `TrainingCheck` (a training loop, training.py): graded by the loss the parameters it
  returns reach, against a threshold set from the reference's own training.
- `ScheduleCheck` (a learning-rate schedule, schedule.py): graded by what the loop asks of a
  scripted model.

What they share (Behaviour, Verdict, the model's distributions) is base.py; this package
only re-exports.
"""
from .base import Behaviour, Verdict, distributions
from .sampling import SamplingCheck, indices, not_indices
from .schedule import ScheduleCheck, same_rate
from .training import TrainingCheck

__all__ = ["Behaviour", "SamplingCheck", "ScheduleCheck", "TrainingCheck", "Verdict",
           "distributions", "indices", "not_indices", "same_rate"]
