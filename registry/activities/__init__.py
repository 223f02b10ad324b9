"""Volunteer activities: sign-ups, check-in, service records, corrections and certificates."""
