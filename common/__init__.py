"""What every room shares: configuration, PII-safe logging, Thai dates, citizen IDs, errors."""
