"""The desk's policy an admin edits: severity and escalation targets, in every process."""
