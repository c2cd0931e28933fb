"""`{% chart spec %}` draws a `renda.core.charts.Chart`; `{% chart_assets %}` loads the one
initialiser and the vendored ECharts once per page (see renda/core/charts.py)."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, json_script
from django.utils.translation import gettext as _

from renda.core.charts import Chart

register = template.Library()


@register.simple_tag
def chart(spec: Chart) -> str:
    if spec.empty:
        # Nothing to draw (no rows, or every figure 0): say so rather than draw a
        # misleading shape; the table beside it shows the zeros.
        return format_html(
            '<figure class="chart chart-empty" id="{}"><figcaption>{}</figcaption>'
            "<p>{}</p></figure>",
            spec.key,
            spec.title,
            _("No figures to chart yet."),
        )
    data_id = f"{spec.key}-data"
    return format_html(
        '<figure class="chart" id="{}"><div class="chart-canvas" data-chart="{}" role="img"'
        ' aria-label="{}"></div>{}</figure>',
        spec.key,
        data_id,
        spec.title,
        json_script(spec.spec(), data_id),
    )


@register.simple_tag
def chart_assets() -> str:
    return format_html(
        '<link rel="stylesheet" href="{}"><script src="{}" defer></script>'
        '<script src="{}" defer></script>',
        static("renda/css/charts.css"),
        static("renda/vendor/echarts.min.js"),
        static("renda/js/charts.js"),
    )
