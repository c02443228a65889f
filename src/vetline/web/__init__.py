"""The web door onto the domain: a JSON API under /api/ and server-rendered pages at /.

Routes parse, call the domain functions and render; they hold no business rules.
"""

from __future__ import annotations

from vetline.web.app import create_app

__all__ = ["create_app"]
