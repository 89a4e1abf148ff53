"""Staff-assisted check-in: a patient without a card, found by citizen ID."""
