"""History: the audit trail (snapshots, events), the review queue of partner changes, undoing a change."""
