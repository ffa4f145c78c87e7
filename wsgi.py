"""In a checkout: `flask --app wsgi ...` and `gunicorn wsgi:app` (see fieldapp/wsgi.py)."""

from fieldapp.wsgi import app

__all__ = ["app"]
