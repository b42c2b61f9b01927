"""Channels: adapters that bring email, reports, webhooks and chat into the same ingest."""
