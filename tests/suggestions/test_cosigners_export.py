"""The co-signers page (written co-signing answers) exports its rows through the one
exporter (renda.core.exports): the page's rows and header row, a Chinese file name, an audit
entry; another town's invitations never."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from renda.core.models import ActionLog
from renda.suggestions import services
from tests.fixtures.exporting import assert_rfc5987, client_for, page_headers, sheet
from tests.suggestions.test_web import _deputy


def _awaiting(world, lead, congress, session, category, cosigners, title):  # noqa: ANN001, ANN202
    suggestion = services.create_draft(
        acting_user=lead.user,
        congress=congress,
        category=category,
        session=session,
        title=title,
        content=f"{title}：群众反映强烈，建议尽快研究解决。",
    )
    services.invite_cosigners(suggestion, cosigners, acting_user=lead.user)
    return services.submit_suggestion(suggestion, acting_user=lead.user)


@pytest.mark.usefixtures("cases_world")
def test_the_cosigners_sheet_has_the_pages_rows_and_no_other_towns(world):
    ours = [_deputy(world, "陈静", user=False), _deputy(world, "杨帆")]
    _awaiting(
        world,
        world.deputy_a,
        world.c_a,
        world.session_a,
        world.cat_a,
        ours,
        "关于修缮东塘村村道的建议",
    )
    # 枫林镇: a suggestion awaiting its own co-signer.
    world.deputy_b.user = get_user_model().objects.create_user(
        username="dep-b", password="pw-for-tests-1", name=world.deputy_b.name
    )
    world.deputy_b.save(update_fields=["user"])
    theirs = _deputy(world, "赵磊", user=False, term=world.term_b)
    _awaiting(
        world,
        world.deputy_b,
        world.c_b,
        world.session_b,
        world.cat_b,
        [theirs],
        "关于枫林镇集市的建议",
    )

    url = reverse("suggestions:cosigners")
    client = client_for(world.staff)
    page = client.get(url)
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    response = client.get(url, {"format": "xlsx"})
    assert_rfc5987(response)
    assert quote(str(_("Written co-signing answers"))) in response["Content-Disposition"]
    rows = sheet(response)
    assert rows[0] == page_headers(page)[:-1]  # the page's last column holds its buttons
    listed = list(page.context["page"].object_list)
    assert [r[1] for r in rows[1:]] == [c.suggestion.title for c in listed]
    names = [r[0] for r in rows[1:]]
    assert names == [_("%(name)s (answers in writing)") % {"name": "陈静"}, "杨帆"]
    assert all("赵磊" not in n for n in names) and "关于枫林镇集市的建议" not in str(rows)
    logged = ActionLog.objects.filter(action="suggestions.cosigners_exported", actor=world.staff)
    assert list(logged.values_list("congress_id", flat=True)) == [world.c_a.pk]

    # 枫林镇's staff: their own invitation only.
    other = sheet(client_for(world.other_staff).get(url, {"format": "xlsx"}))
    assert [r[0] for r in other[1:]] == [_("%(name)s (answers in writing)") % {"name": "赵磊"}]


def test_a_handler_gets_no_cosigners_sheet(world):  # noqa: ANN001
    response = client_for(world.handler_a).get(reverse("suggestions:cosigners"), {"format": "xlsx"})
    assert response.status_code == 404
