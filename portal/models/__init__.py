"""Database models, one module per aggregate."""

from portal.models.alert import AlertRun, Subscriber, SubscriberCondition, TrialAlert
from portal.models.audit import AuditEvent, ContactRequestEvent
from portal.models.base import Base
from portal.models.contact import ContactRequest, SiteRecipientOverride, UndeliverableAddress
from portal.models.embedding import TrialEmbedding
from portal.models.faq import Faq
from portal.models.glossary import TrialGlossaryMatch
from portal.models.note_share import NoteShare, NoteShareAttempts
from portal.models.outbox import OutboxEmail
from portal.models.plain_summary import PlainSummary
from portal.models.trial import SearchFacts, Site, Trial, TrialCondition, TrialTerm
from portal.models.user import SignInFailure, SiteMembership, User, UserSession

__all__ = [
    "AlertRun",
    "Subscriber",
    "SubscriberCondition",
    "TrialAlert",
    "AuditEvent",
    "ContactRequestEvent",
    "SignInFailure",
    "SiteMembership",
    "User",
    "UserSession",
    "Base",
    "ContactRequest",
    "Faq",
    "NoteShare",
    "NoteShareAttempts",
    "OutboxEmail",
    "PlainSummary",
    "SearchFacts",
    "Site",
    "SiteRecipientOverride",
    "Trial",
    "TrialCondition",
    "TrialTerm",
    "TrialEmbedding",
    "TrialGlossaryMatch",
    "UndeliverableAddress",
]
