"""`python -m evaluation` serves the evaluation service."""

from evaluation.settings import Settings
from shared.serve import serve

if __name__ == "__main__":
    serve("evaluation.app:create_app", Settings())
