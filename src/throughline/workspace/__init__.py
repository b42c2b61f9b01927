"""The rep workspace at /app: sign-in, work list, case page, team, lead and admin views."""
