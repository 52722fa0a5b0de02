"""Every message the four services can answer: a well-formed code, a real Chinese text,
an English one, and the same parameters in both."""

from __future__ import annotations

import importlib
import re
import string

import pytest

from shared import messages
from shared.messages import Message

SERVICES = ("registry", "activities", "evaluation", "notifications")
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _catalogue() -> list[Message]:
    for service in SERVICES:
        importlib.import_module(f"{service}.messages")
    return [
        message
        for message in messages._CATALOGUE.values()  # every Message registers itself
        if message.code not in messages.FIELD_MESSAGES
    ]


def _params(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


CATALOGUE = _catalogue()


def test_every_service_says_something() -> None:
    # At least the shared answers and a good number of each service's own.
    assert len(CATALOGUE) > 100


@pytest.mark.parametrize("message", CATALOGUE, ids=lambda message: message.code)
def test_a_message_is_said_in_both_languages(message: Message) -> None:
    assert CODE.match(message.code), "codes are snake_case, dotted for a family"
    assert CHINESE.search(message.zh), "the Chinese text is Chinese"
    assert not CHINESE.search(message.en), "the English text is English"
    assert _params(message.zh) == _params(message.en), "both name the same parameters"
