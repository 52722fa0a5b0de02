"""HTTP routes of the evaluation service, one module per resource."""
