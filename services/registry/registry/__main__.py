"""`python -m registry` serves the registry service."""

from registry.settings import Settings
from shared.serve import serve

if __name__ == "__main__":
    serve("registry.app:create_app", Settings())
