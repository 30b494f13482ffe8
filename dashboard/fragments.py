"""The cached part of a dashboard page: its template's blocks (title, content, scripts) rendered from the data.

What differs per request — the header with the username, the CSRF tokens of its forms, the messages — is in
base.html, rendered on every request around the cached blocks (templates/dashboard/cached.html). The blocks are
rendered without the request, so nothing of one user can slip into what another is served: a block that needed
the user, the session or a CSRF token would render it empty (the tests would show it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import Context, loader
from django.template.loader_tags import ExtendsNode
from django.utils.safestring import SafeString, mark_safe

from cities import versioning

BLOCKS = ("title", "content", "scripts")
# What {% csrf_token %} writes into a cached block; never a real token (those are per session and masked per response).
CSRF_STAND_IN = "csrf-stand-in-replaced-per-request"


def render_blocks(template_name: str, context: dict[str, Any]) -> dict[str, SafeString]:
    """The page template's own blocks, rendered with `context` alone (no request, no context processors)."""
    template = loader.get_template(template_name).template  # type: ignore[attr-defined]
    extends = template.nodelist.get_nodes_by_type(ExtendsNode)[0]
    ctx = Context(context, autoescape=template.engine.autoescape)
    with ctx.render_context.push_state(template), ctx.bind_template(template):
        return {name: extends.blocks[name].render(ctx) for name in BLOCKS if name in extends.blocks}


def cached_page(
    request: HttpRequest, template_name: str, build: Callable[[], dict[str, Any]], *, scope: object = ""
) -> HttpResponse:
    """Render `template_name` with the context `build` returns, its blocks cached per data version, language, path
    with query string and `scope` (what else the page depends on: the user's home region on the overview)."""
    built: dict[str, Any] = {}

    def compute() -> dict[str, str]:
        built.update(build())
        # A form in a block gets a stand-in token, replaced by this request's own on every serving.
        blocks = render_blocks(template_name, {**built, "csrf_token": CSRF_STAND_IN})
        return {name: str(html) for name, html in blocks.items()}

    blocks, _computed = versioning.cached(request, (template_name, request.get_full_path(), scope), compute)
    token = get_token(request) if any(CSRF_STAND_IN in html for html in blocks.values()) else ""
    served = {name: html.replace(CSRF_STAND_IN, token) for name, html in blocks.items()}
    # On a miss the page's context goes along too: the shell does not read it, tests and debuggers do.
    context = {**built, "blocks": {name: mark_safe(html) for name, html in served.items()}}  # noqa: S308 — rendered above, autoescaped; the token is Django's own
    return render(request, "dashboard/cached.html", context)
