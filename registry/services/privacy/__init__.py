"""Rights of a person over their data (GDPR): find, export, erase."""
