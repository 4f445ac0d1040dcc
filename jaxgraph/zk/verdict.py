"""The verifiers' result type: ``Verdict(ok, reason)``, truthy when ``ok``, unpacks as
``ok, reason = verify_..._detailed(...)``."""
from __future__ import annotations

import dataclasses

__all__ = ["Verdict"]


@dataclasses.dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""

    def __bool__(self):
        return self.ok

    def __iter__(self):
        return iter((self.ok, self.reason))
