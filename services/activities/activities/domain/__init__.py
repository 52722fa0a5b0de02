"""The activities service's rules, free of HTTP and SQL."""
