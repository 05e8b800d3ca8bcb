"""Authorized agents acting for a citizen with the citizen's recorded consent."""
