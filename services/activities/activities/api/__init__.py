"""HTTP routes of the activities service, one module per resource."""
