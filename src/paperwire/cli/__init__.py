"""The ``paperwire`` command line: thin over the service, one module per command group
(``papers``, ``search``, ``sync``, ``serve``, ``users``, ``digest``), assembled in ``app``;
everything printed beyond plain lines goes through ``output``.

Exit codes: 0 success; 1 a command failed (nothing could be imported, a paper was not found...);
2 usage or configuration error; 3 not found; 4 storage error; 5 a source could not be read.
"""

from paperwire.cli.app import app, main

__all__ = ["app", "main"]
