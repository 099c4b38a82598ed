"""The operators' area: trials, sites, FAQs, users, the outbox and the audit log."""
