"""`{% chart spec %}` draws a `renda.core.charts.Chart`; `{% chart_assets %}` loads the one
initialiser and the vendored ECharts once per page (see renda/core/charts.py)."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, json_script

from renda.core.charts import Chart

register = template.Library()


@register.simple_tag
def chart(spec: Chart) -> str:
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
