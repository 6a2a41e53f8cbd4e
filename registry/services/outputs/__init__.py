"""What leaves the registry: e-mail, and cell values safe for spreadsheets."""
