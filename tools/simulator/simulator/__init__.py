"""The district simulator."""
