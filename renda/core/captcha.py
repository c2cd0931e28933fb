"""The public forms' captcha (django-simple-captcha): a picture large enough to read on a
phone (CAPTCHA_IMAGE_SIZE) and a refresh button (the package's refresh view, renda.js)."""

from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField, CaptchaTextInput
from django.utils.translation import gettext_lazy as _


class CaptchaInput(CaptchaTextInput):
    template_name = "core/captcha_widget.html"


def captcha_field(**kwargs: Any) -> CaptchaField:
    kwargs.setdefault("label", _("Type the characters in the picture"))
    return CaptchaField(widget=CaptchaInput(), **kwargs)
