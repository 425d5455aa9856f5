"""Strict readers for settings taken from environment variables.

Each helper returns the default when the variable is unset or empty and
raises ImproperlyConfigured, naming the variable and its value, when the
value cannot be parsed. A typo in production then stops start-up instead of
silently falling back to a local default.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_UNSET = object()


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None | object = _UNSET) -> str | None:
    """Return the variable `name`, or `default`; raise if both are missing."""
    value = _raw(name)
    if value is not None:
        return value
    if default is _UNSET:
        raise ImproperlyConfigured(f"Set the environment variable {name}; it has no default.")
    return default  # type: ignore[return-value]


def env_bool(name: str, default: bool) -> bool:
    """Return the variable `name` read as a boolean (true/false, 1/0, yes/no, on/off)."""
    value = _raw(name)
    if value is None:
        return default
    word = value.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"Invalid boolean in environment variable {name}: {value!r}; "
        "use true or false (also accepted: 1/0, yes/no, on/off)."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return the variable `name` read as an integer of at least `minimum`."""
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"Invalid integer in environment variable {name}: {value!r}."
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(
            f"Environment variable {name} is {number}; it must be at least {minimum}."
        )
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the variable `name` split on commas, blank items dropped."""
    value = _raw(name)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(
            f"Invalid list in environment variable {name}: {value!r}; "
            "give comma-separated values."
        )
    return items
