"""The registry's rules, free of HTTP and SQL."""
