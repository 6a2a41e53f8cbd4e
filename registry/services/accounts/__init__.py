"""Accounts: users, passwords, signed links (invitations, resets) and account requests."""
