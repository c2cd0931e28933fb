from django.conf import settings
from django.http import HttpRequest

from renda.core import display


def renda(request: HttpRequest) -> dict:
    modes = display.modes(request)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        # The public pages' 大字版 / 高对比度 (renda.core.display); the portal's frame sets
        # the same two names.
        "display_modes": modes,
        "display_class": " ".join(f"mode-{m}" for m in modes),
    }
