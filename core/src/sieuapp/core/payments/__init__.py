"""Payments: intents, providers, refunds, the double-entry ledger and reconciliation."""
