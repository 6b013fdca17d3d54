from enum import StrEnum


class P(StrEnum):
    GREETING_VIEW = "hello:greeting:view"
