"""Self-service troubleshooting flows, with a person one step away on every page."""
