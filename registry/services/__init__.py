"""Domain services: plain functions that validate, change and flush, never commit (the caller commits once).
One sub-package per family; see README « Architecture »."""
