"""The notifications service's rules, free of HTTP and SQL."""
