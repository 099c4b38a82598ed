"""Trial alerts: sign-up with double opt-in, matching new trials, alert emails."""
