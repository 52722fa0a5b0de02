"""The evaluation service's rules, free of HTTP and SQL."""
