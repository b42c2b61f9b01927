"""In-app error reports: a product sends a report, the customer gets a case number."""
