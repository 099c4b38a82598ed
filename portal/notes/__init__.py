"""Private notes on trial pages, kept in the browser, shared through passcode-protected links."""
