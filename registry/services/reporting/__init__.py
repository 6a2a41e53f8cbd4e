"""Reporting: the back-office dashboard and the aggregate queries it is made of."""
