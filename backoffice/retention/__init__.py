"""Retention: old claim batches, ticket images and audit entries, purged on a schedule."""
