"""The customer portal: /portal (sign-in by magic link, cases, chat) and /status/{token}."""
