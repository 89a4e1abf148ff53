"""Calling the queue: service points, the caller page, the waiting-room board, its voice."""
