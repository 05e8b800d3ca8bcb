"""Personal data: what the platform and its plugins hold about a user, exported or erased."""
