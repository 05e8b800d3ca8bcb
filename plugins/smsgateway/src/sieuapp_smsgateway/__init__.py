"""Text messages through an SMS gateway's HTTP API for sieuapp."""
