"""Email: the outbox, rendering, SMTP delivery, background dispatch and a local catcher."""
