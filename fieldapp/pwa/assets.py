"""Scripts and style sheets sent without their comments and spare whitespace.

The sources under ``static/`` stay as we write them: commented, readable, what a debug
server (``make run``) sends. Every other server sends ``.js`` and ``.css`` files through
rJSmin and rCSSmin, which only remove comments and whitespace (no renaming, no
rewriting), once per version of a file, kept in memory. That keeps the app shell a phone
downloads and parses within its budget (issue 19: 60 KB gzip) without a build step or a
second copy of the sources.

``MINIFY_ASSETS`` (default true) turns it off on a server that is not in debug mode.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
from collections.abc import Callable
from pathlib import Path

import rcssmin
import rjsmin
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import send_file
from werkzeug.security import safe_join

#: Suffix -> (minifier, content type).
_MINIFIERS: dict[str, tuple[Callable[[str], str], str]] = {
    ".js": (rjsmin.jsmin, "text/javascript; charset=utf-8"),
    ".css": (rcssmin.cssmin, "text/css; charset=utf-8"),
}


def minify(suffix: str, source: str) -> str:
    """Return ``source`` (a ``.js`` or ``.css`` file's text) without comments and spare
    whitespace; other suffixes are returned as they are."""
    entry = _MINIFIERS.get(suffix)
    return entry[0](source) if entry else source


@functools.lru_cache(maxsize=128)
def _minified(path: str, mtime_ns: int, size: int) -> tuple[bytes, str]:
    """Return (bytes, etag) of the file at ``path`` minified; keyed by its version."""
    del mtime_ns, size  # part of the cache key: a changed file is read again
    suffix = Path(path).suffix
    body = minify(suffix, Path(path).read_text("utf-8")).encode("utf-8")
    return body, hashlib.sha256(body).hexdigest()[:20]


def serve_static(filename: str) -> Response:
    """The ``static`` endpoint: scripts and style sheets minified, the rest as Flask
    sends it."""
    app = current_app
    suffix = Path(filename).suffix
    if app.debug or not app.config["MINIFY_ASSETS"] or suffix not in _MINIFIERS:
        return app.send_static_file(filename)
    path = safe_join(str(app.static_folder), filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    stat = os.stat(path)
    body, etag = _minified(path, stat.st_mtime_ns, stat.st_size)
    response = send_file(
        io.BytesIO(body),
        mimetype=_MINIFIERS[suffix][1],
        etag=etag,
        last_modified=stat.st_mtime,
        max_age=app.get_send_file_max_age(filename),
        conditional=True,
    )
    return response


#: A static import: ``import x from './a.js'``, ``import './a.js'``, ``export * from``.
_IMPORT = re.compile(
    r"""^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}/[^'"]+)['"]""",
    re.MULTILINE,
)


@functools.lru_cache(maxsize=8)
def module_graph(static_folder: str, entries: tuple[str, ...]) -> tuple[str, ...]:
    """Return every module ``entries`` (paths under ``static_folder``) import, directly
    or not, entries first, as paths under ``static_folder``.

    The page preloads them all (``<link rel="modulepreload">``): otherwise the browser
    finds each level of imports only after the one above has arrived.
    """
    root = Path(static_folder).resolve()
    found: list[str] = []
    todo = list(entries)
    while todo:
        name = todo.pop(0)
        if name in found:
            continue
        found.append(name)
        path = root / name
        for target in _IMPORT.findall(path.read_text("utf-8")):
            resolved = (path.parent / target).resolve()
            if resolved.is_relative_to(root) and resolved.is_file():
                todo.append(resolved.relative_to(root).as_posix())
    return tuple(found)


def init_app(app: Flask) -> None:
    """Send static scripts and style sheets minified (see the module docstring), and
    give templates ``page_modules()``: what a page's scripts import, to preload."""
    app.view_functions["static"] = serve_static
    app.jinja_env.globals["page_modules"] = lambda: module_graph(
        str(app.static_folder), ("js/quick-exit.js", "js/main.js")
    )
