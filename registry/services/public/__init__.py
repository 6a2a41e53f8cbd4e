"""The public side: what is published, the directory and its full-text search, cached figures, the loan simulator."""
