"""The service layer: the one API that the CLI, the web app and the scheduler call.

``make_service(settings)`` (in ``wiring``) is the only place collaborators are built. This
package's ``__init__`` stays empty of imports on purpose: importing a submodule such as
``service.core`` must not pull in the whole facade (search, digests, sync), so a one-shot command
like ``paperwire show`` starts in well under 150 ms. ``Service`` and ``make_service`` load on
first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.service.wiring import Service, make_service

__all__ = ["Service", "make_service"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from paperwire.service import wiring

        return getattr(wiring, name)
    raise AttributeError(f"module 'paperwire.service' has no attribute {name!r}")
