"""Bodies written by the earlier editor kept paragraphs as <div>: each block-free <div>
becomes a <p> (the article keeps its first-line indent), other <div>s are unwrapped.
Stored bodies are clean (nh3), so a <div> carries no attribute. Versions are history and
stay as they were saved; display cleans them the same way (renda.portal.sanitize)."""

import re

from django.db import migrations

_LEAF_DIV = re.compile(
    r"<div>((?:(?!</?(?:div|p|h[1-6]|ul|ol|li|table|blockquote|figure|pre|hr)\b)"
    r"(?:[^<]|<[^>]*>))*)</div>",
    re.I,
)
_DIV = re.compile(r"</?div>", re.I)


def _paragraphs(body):
    previous = None
    while previous != body:
        previous, body = body, _LEAF_DIV.sub(r"<p>\1</p>", body)
    return _DIV.sub("", body)


def forwards(apps, schema_editor):
    Article = apps.get_model("portal", "Article")
    for article in Article.objects.filter(body__icontains="<div").only("id", "body").iterator():
        body = _paragraphs(article.body)
        if body != article.body:
            Article.objects.filter(pk=article.pk).update(body=body)


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_body_images")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
