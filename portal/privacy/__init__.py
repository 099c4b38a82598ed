"""Privacy: delete contact requests past retention, and erase one person everywhere on request."""
