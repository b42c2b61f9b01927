"""The people-facing pages: the rep workspace (/app) and the customer portal (/portal, /status).

Server-rendered Jinja2 with htmx; this package holds what both sides share:
templates and static files, CSRF protection and the page router.
"""
