"""Accounts: users, sign-in with server-side sessions, invitations and password resets."""
