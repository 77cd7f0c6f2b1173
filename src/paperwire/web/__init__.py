"""The web layer: HTML pages, the JSON API and RSS/Atom feeds over the service. Thin: every
handler parses its input, calls one service method and renders the result."""
