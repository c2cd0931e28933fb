"""The one error a domain rule raises. Every layer above core raises and catches it."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the change. The message is translated for the user."""
