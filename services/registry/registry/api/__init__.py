"""HTTP routes of the registry service, one module per resource."""
