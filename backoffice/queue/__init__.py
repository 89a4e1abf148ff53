"""The day's queue, one visit's page, its ticket preview and reprint."""
