"""Database models, one module per aggregate."""

from portal.models.base import Base
from portal.models.faq import Faq
from portal.models.trial import Site, Trial, TrialCondition

__all__ = ["Base", "Faq", "Site", "Trial", "TrialCondition"]
