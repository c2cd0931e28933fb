import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")
application = get_wsgi_application()

# The serving process loads the Chinese segmenter now rather than on its first search (which
# took ~3 s); management commands and tests never import this module. RENDA_WARM_UP=0 skips it.
if os.environ.get("RENDA_WARM_UP", "1") != "0":
    from renda.core import text

    text.warm_up()
