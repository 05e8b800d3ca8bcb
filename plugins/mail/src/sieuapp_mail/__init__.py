"""E-mail notifications over SMTP for sieuapp."""
