"""The course directory: where solutions/, assignments/ and the course's secret are."""
import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def course_directory():
    """The course directory holding solutions/: $RNN_KIT_COURSE or this checkout."""
    return Path(os.environ.get("RNN_KIT_COURSE", CHECKOUT))
