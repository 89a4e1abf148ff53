"""MOPH Claim and Immunization Center: client, errors, and a sandbox for tests and the demo."""
