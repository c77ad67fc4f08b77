"""A self-contained API docs page rendered from the OpenAPI document (no CDN needed:
government networks are often closed)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template_string

bp = Blueprint("docs", __name__)

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ spec.info.title }} API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .2rem}.m{display:inline-block;width:4.5rem;font-weight:bold}
li{margin:.3rem 0}</style></head><body>
<h1>{{ spec.info.title }} API {{ spec.info.version }}</h1>
<p>接口文档 (API reference). {{ spec.info.description }}
Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>.
Errors are RFC 9457 <code>application/problem+json</code>.</p>
{% for tag in spec.tags %}<h2>{{ tag.description or tag.name }}</h2><ul>
{% for path, ops in spec.paths.items() %}{% for method, op in ops.items()
  if method in ('get','post','put','delete','patch') and tag.name in op.get('tags', []) %}
<li><span class="m">{{ method.upper() }}</span><code>{{ path }}</code>
 — {{ op.get('summary', '') }}</li>{% endfor %}{% endfor %}</ul>{% endfor %}
</body></html>"""


@bp.get("/api/docs")
def docs_page():
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return render_template_string(PAGE, spec=spec)


@bp.get("/healthz")
def healthz():
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database answers and is migrated, a signing key exists."""
    from core.services.health import readiness

    problems = readiness(current_app.extensions["jixiao"])
    return (
        ({"status": "ready"}, 200)
        if not problems
        else ({"status": "not ready", "problems": problems}, 503)
    )
