"""WSGI entry point: `gunicorn elue_site.wsgi`."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elue_site.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # The message names the environment variable and its value; a traceback would bury it.
    sys.stderr.write(f"Invalid configuration: {error}\n")
    raise SystemExit(2) from None
