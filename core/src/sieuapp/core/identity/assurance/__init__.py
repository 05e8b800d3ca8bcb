"""Assurance levels (eKYC): 0 self-registered, 1 phone verified, 2 identity verified."""
