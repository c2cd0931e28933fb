from __future__ import annotations

from typing import Any

from django import forms
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renda.core.widgets import DateTimeInput
from renda.portal.models import Channel, Site
from renda.portal.sanitize import clean_html
from renda.portal.uploads import validate_attachment, validate_cover


class EditorTextarea(forms.Textarea):
    """The body's textarea, which the rich-text editor (django-prose-editor, loaded by
    portal/js/prose.js) turns into its editing area: it always shows the body as it would
    be stored. A form sent back with an error would otherwise hand the editor the HTML as
    typed, and an <img onerror> in it would run there."""

    def format_value(self, value: Any) -> str | None:
        shown = super().format_value(value)
        return clean_html(shown) if shown else shown


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=160, required=False)
    channel = forms.ModelChoiceField(label=_("Main channel"), queryset=Channel.objects.none())
    channels = forms.ModelMultipleChoiceField(
        label=_("Also listed in"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    body = forms.CharField(
        label=_("Body"),
        max_length=200_000,
        widget=EditorTextarea(attrs={"rows": 18}),
        help_text=_(
            "Rich text. Without JavaScript, type HTML paragraphs; scripts, frames and "
            "event handlers are removed."
        ),
    )
    summary = forms.CharField(
        label=pgettext_lazy("article", "Summary"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Empty: the start of the body."),
    )
    editor = forms.CharField(label=_("Editor"), max_length=40, required=False)
    author = forms.CharField(label=_("Author"), max_length=60, required=False)
    source = forms.CharField(label=_("Source"), max_length=60, required=False)
    tags = forms.CharField(
        label=_("Tags"), max_length=200, required=False, help_text=_("Separated by commas.")
    )
    cover = forms.FileField(label=_("Cover image"), required=False, validators=[validate_cover])
    clear_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)
    cover_alt = forms.CharField(label=_("Cover image description"), max_length=120, required=False)
    publish_at = forms.DateTimeField(
        label=pgettext_lazy("article", "Scheduled for"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Empty: publish on approval. A later time schedules the article."),
    )
    is_pinned = forms.BooleanField(label=_("Pinned to the top"), required=False)

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = Channel.objects.filter(site=site, is_active=True).select_related("parent")
        self.fields["channel"].queryset = channels  # type: ignore[attr-defined]
        self.fields["channels"].queryset = channels  # type: ignore[attr-defined]
        self.fields["body"].widget.attrs.update(
            {
                "data-prose-editor": static("django_prose_editor/editor.js"),
                "data-image-upload": reverse("portal:staff_image", args=[site.pk]),
            }
        )

    def tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tags", "").replace("，", ",")
        return [t.strip() for t in raw.split(",") if t.strip()]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"), validators=[validate_attachment])


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class OptionalNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Empty: now (or the time set on the article)."),
    )


class FiguresForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
