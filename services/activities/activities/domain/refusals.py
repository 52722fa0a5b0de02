"""What a rule says when it refuses: a message to tell the person, and its parameters.

The rules raise these free of HTTP; the layer around them answers the refusal with the
same message (`Unprocessable(refused.message, **refused.params)`), so the person reads
it in their language. `str()` of a refusal is its English text, for logs and tests.
"""

from __future__ import annotations

from typing import Any

from shared.messages import Language, Message


class Refused(ValueError):
    """A rule refused; `message` with `params` says which rule and why."""

    def __init__(self, message: Message, **params: Any) -> None:
        super().__init__(message.render(Language.EN, params))
        self.message = message
        self.params = params
