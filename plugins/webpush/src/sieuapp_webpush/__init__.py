"""Web Push notifications (RFC 8030/8291/8292, VAPID) for sieuapp."""
