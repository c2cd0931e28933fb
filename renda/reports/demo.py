"""Demo data of the annual report (called by `seed_demo`): 清河镇's external publications of
the year and the office's texts of its report, so that the year's report can be drafted from
the demo's records at once (`/office/reports/`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from renda.congress.models import Congress
from renda.reports import services
from renda.reports.models import AnnualReport, ExternalPublication

PUBLICATIONS = [
    ("临溪日报", "清河镇人大：代表联络站成为家门口的民意窗口", 40),
    ("市人大常委会网站", "清河镇开展小快灵民生实事项目票决的调查与思考", 90),
]


def seed(stdout: Any = None) -> None:
    congress = Congress.objects.filter(name="清河镇人民代表大会").first()
    if congress is None or ExternalPublication.objects.filter(congress=congress).exists():
        return
    staff = get_user_model().objects.get(username="qh_staff")
    today = timezone.localdate()
    for outlet, title, days in PUBLICATIONS:
        day = max(today - dt.timedelta(days=days), dt.date(today.year, 1, 1))
        services.add_publication(
            congress,
            {"outlet": outlet, "title": title, "published_on": day, "link": "https://example.org/"},
            acting_user=staff,
        )
    report = services.report_for(congress, today.year)
    services.save_texts(
        AnnualReport.objects.get(pk=report.pk),
        {
            "summary": "一年来，镇人大主席团在镇党委领导下，依法履职，围绕中心、服务大局，"
            "各项工作取得新进展。",
            "shortcomings": "代表履职的经常性活动还不够均衡，部分联络站接待登记不够规范，"
            "对建议办理的跟踪监督还需加强。",
            "next_tasks": "加强代表联络站建设\n深化民生实事项目人大代表票决制\n"
            "做好代表建议的督办和满意度测评",
        },
        acting_user=staff,
    )
