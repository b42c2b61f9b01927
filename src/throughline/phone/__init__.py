"""The two-level phone directory and the voice webhooks (TwiML)."""
