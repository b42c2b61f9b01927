"""Reps' and teams' working hours and days off: when someone is expected at work."""
