"""Social and IM bridges: signed JSON webhooks in and out."""
