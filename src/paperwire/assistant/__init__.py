"""The MCP server: paperwire's service as tools, resources and prompts for AI assistants
(the Model Context Protocol, through the official ``mcp`` SDK's ``MCPServer``). A surface like
``web/`` and ``cli/``: every tool parses its typed input, calls one service method and renders
the answer as compact markdown plus structured content. ``paperwire mcp`` serves it over stdio;
``paperwire serve`` mounts it at ``/mcp`` (streamable HTTP, web/assistant_mount.py)."""
