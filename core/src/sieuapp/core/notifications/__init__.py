"""What the platform tells a user: an inbox every service writes to."""
