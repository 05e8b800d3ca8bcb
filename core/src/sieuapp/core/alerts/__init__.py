"""Government alerts: composed or imported as OASIS CAP 1.2, targeted by area."""
