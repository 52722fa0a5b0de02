"""Projections several services keep of another service's data, built from its events."""
