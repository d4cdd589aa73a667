"""Go's struct embedding for test wrappers: ``Test{*tester.Config}`` gets Config's methods."""

from __future__ import annotations

from typing import Any


class Embeds:
    """Forward attribute lookups that a wrapper lacks to the object it embeds.

    A subclass names the attribute holding the embedded object in ``_embedded``
    (e.g. "config"), so ``ts.begin(...)`` reaches ``ts.config.begin``. Only names the
    wrapper does not define itself are forwarded, as in Go.
    """

    _embedded = "config"

    def __getattr__(self, name: str) -> Any:
        inner = self.__dict__.get(self._embedded)
        if inner is None:
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
        return getattr(inner, name)
