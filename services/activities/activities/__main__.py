"""`python -m activities` serves the activities service."""

from activities.settings import Settings
from shared.serve import serve

if __name__ == "__main__":
    serve("activities.app:create_app", Settings())
