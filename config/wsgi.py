import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# The imports and tables the first request of each worker would otherwise pay (config/warmup.py).
from config.warmup import warm  # noqa: E402

warm()
