"""Trial listing and trial pages."""

from portal.trials.views import bp

__all__ = ["bp"]
