"""The application object for servers and the command line, from an installed wheel.

`gunicorn fieldapp.wsgi:app` and `flask --app fieldapp.wsgi ...` (in a checkout, the
top-level wsgi.py says the same as `--app wsgi`). A refused setting ends the process with
one line that says what to set, not a traceback.
"""

import sys

from fieldapp import create_app
from fieldapp.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Error: {error}")
