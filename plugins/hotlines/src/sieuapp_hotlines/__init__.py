"""Hotlines plugin (being built)."""
