"""`python -m notifications` serves the notifications service."""

from notifications.settings import Settings
from shared.serve import serve

if __name__ == "__main__":
    serve("notifications.app:create_app", Settings())
