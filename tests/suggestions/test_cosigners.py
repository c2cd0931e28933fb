"""Co-signing for every deputy (issue 14, item 6): the picker offers all active deputies
of the term, those without an online account answer in writing and the office records it,
so a motion of five deputies can be filed; and a deputy reads their own name in full."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from renda.cases.models import CaseStatus
from renda.congress.models import DeputyMembership
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.suggestions import services
from renda.suggestions.models import CoSignerStatus, MotionDecision, Suggestion, SuggestionStatus
from tests.fixtures.api import Api
from tests.fixtures.cases import submit
from tests.suggestions.test_web import _deputy, _form


def _picker(client, congress_id: int) -> list[int]:  # noqa: ANN001
    page = client.get(reverse("suggestions:new", args=[congress_id]))
    assert page.status_code == 200
    return [int(c[0].value) for c in page.context["form"].fields["cosigners"].choices]


def test_the_demo_picker_offers_every_active_deputy_of_the_term(client, demo):
    user = get_user_model().objects.get(username="qh_deputy")
    client.force_login(user)
    offered = _picker(client, demo.pk)
    active = set(
        DeputyMembership.objects.active_on()
        .filter(term__congress=demo, term__is_current=True)
        .exclude(deputy__user=user)
        .values_list("deputy_id", flat=True)
    )
    assert len(offered) == len(set(offered)) == len(active) >= 55
    assert set(offered) == active
    with_account = set(
        DeputyMembership.objects.filter(
            deputy_id__in=offered, deputy__user__isnull=False
        ).values_list("deputy_id", flat=True)
    )
    assert len(with_account) < 5  # a motion needs the written answers the office records


@pytest.mark.usefixtures("cases_world")
def test_a_motion_of_five_with_written_answers_recorded_by_the_office(client, world):
    online = _deputy(world, "张红梅")
    offline = [_deputy(world, name, user=False) for name in ("刘志强", "陈静", "杨帆")]
    client.force_login(world.deputy_user)
    offered = _picker(client, world.c_a.pk)
    assert {d.pk for d in [online, *offline]} <= set(offered)
    page = client.get(reverse("suggestions:new", args=[world.c_a.pk])).content.decode()
    assert "陈静 · " in page and "书面确认" in page
    chosen = [online.pk, *(d.pk for d in offline)]
    response = client.post(
        reverse("suggestions:new", args=[world.c_a.pk]),
        _form(world, is_motion="on", cosigners=chosen),
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.status == SuggestionStatus.AWAITING_COSIGNERS

    # The online co-signer confirms on their own page.
    client.force_login(online.user)
    assert (
        client.post(reverse("suggestions:action", args=[suggestion.pk, "confirm"])).status_code
        == 302
    )

    # The office lists the written answers to record, and records them.
    client.force_login(world.staff)
    listing = client.get(reverse("suggestions:cosigners"))
    assert listing.status_code == 200
    pending = list(listing.context["page"].object_list)
    assert {c.deputy_id for c in pending} == {d.pk for d in offline}
    invitations = {c.deputy_id: c for c in pending}
    url = reverse("suggestions:cosigner_action", args=[invitations[offline[0].pk].pk, "confirm"])
    assert client.get(url).status_code == 200  # the confirmation page
    assert client.post(url).status_code == 302
    # A handler, or the lead deputy, cannot record an answer.
    second = invitations[offline[1].pk]
    for user in (world.handler_a, world.deputy_user, world.other_staff):
        client.force_login(user)
        url = reverse("suggestions:cosigner_action", args=[second.pk, "confirm"])
        assert client.post(url).status_code == 404
    with pytest.raises(DomainError):
        services.record_cosigner_answer(second, accept=True, acting_user=world.deputy_user)
    client.force_login(world.staff)
    for deputy in offline[1:]:
        url = reverse("suggestions:cosigner_action", args=[invitations[deputy.pk].pk, "confirm"])
        assert client.post(url).status_code == 302
    # Answered: off the list, and the action is gone.
    assert not client.get(reverse("suggestions:cosigners")).context["page"].object_list
    assert client.post(url).status_code == 404

    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.SUBMITTED
    assert suggestion.motion_decision == MotionDecision.PENDING  # 1 + 4 = 5 deputies
    assert suggestion.case.status == CaseStatus.SUBMITTED
    written = suggestion.cosigners.filter(recorded_by=world.staff)
    assert {c.deputy_id for c in written} == {d.pk for d in offline}
    assert all(c.status == CoSignerStatus.CONFIRMED for c in written)
    assert suggestion.cosigners.get(deputy=online).recorded_by is None
    logged = ActionLog.objects.filter(
        action="suggestion.cosign_confirmed", object_id=str(suggestion.pk)
    )
    assert logged.count() == 4
    assert logged.filter(actor=world.staff, changes__in_writing=[None, True]).count() == 3
    detail = client.get(reverse("suggestions:office_detail", args=[suggestion.pk]))
    assert "陈静 (已确认, 书面)" in detail.content.decode()


@pytest.mark.usefixtures("cases_world")
def test_a_written_refusal_is_recorded_and_the_office_of_another_town_sees_nothing(client, world):
    offline = _deputy(world, "刘志强", user=False)
    suggestion = services.raise_suggestion(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="关于村道修缮的建议",
        content="村道破损。",
        cosigners=[offline],
        submit=True,
    )
    invitation = suggestion.cosigners.get()
    client.force_login(world.other_staff)
    assert not client.get(reverse("suggestions:cosigners")).context["page"].object_list
    client.force_login(world.staff)
    url = reverse("suggestions:cosigner_action", args=[invitation.pk, "decline"])
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == CoSignerStatus.DECLINED and invitation.recorded_by == world.staff
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.SUBMITTED  # the last answer sends it on


@pytest.mark.usefixtures("cases_world")
def test_a_draft_invitation_is_not_answered_by_the_office(world):
    offline = _deputy(world, "刘志强", user=False)
    draft = services.raise_suggestion(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="草稿",
        content="草稿内容。",
        cosigners=[offline],
    )
    with pytest.raises(DomainError):
        services.record_cosigner_answer(draft.cosigners.get(), accept=True, acting_user=world.staff)
    assert draft.cosigners.get().status == CoSignerStatus.INVITED


# --- a deputy's own name is not masked ----------------------------------------------------------


def test_the_office_page_of_a_suggestion_names_its_lead_deputy_in_full(client, demo):
    suggestion = Suggestion.objects.filter(congress=demo, case__isnull=False).first()
    lead = suggestion.lead.name
    masked = lead[0] + "*" * (len(lead) - 2) + lead[-1] if len(lead) > 2 else lead[0] + "*"
    for username in ("qh_staff", "qh_leader"):
        client.force_login(get_user_model().objects.get(username=username))
        body = client.get(reverse("suggestions:office_detail", args=[suggestion.pk]))
        text = re.sub(r"<[^>]+>", "", body.content.decode())
        assert f"提交人{lead}" in re.sub(r"\s+", "", text)
        assert masked not in text


@pytest.mark.usefixtures("cases_world")
def test_the_api_masks_others_but_not_the_submitter_or_a_deputy_suggestion(world):
    # The presidium chair wrote in as a resident: they read their own name, staff do not.
    opinion = submit(world, submitter_user=world.leader, submitter_name="王建国").case
    other = submit(world, submitter_name="赵先生").case
    assert Api(world.leader).get(f"/cases/{opinion.pk}").json()["submitter"]["name"] == "王建国"
    assert Api(world.staff).get(f"/cases/{opinion.pk}").json()["submitter"]["name"] == "王*国"
    assert Api(world.leader).get(f"/cases/{other.pk}").json()["submitter"]["name"] == "赵*生"
    suggestion = services.raise_suggestion(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="关于村道修缮的建议",
        content="村道破损。",
        submit=True,
    )
    data = Api(world.staff).get(f"/cases/{suggestion.case_id}").json()
    assert data["submitter"]["name"] == world.deputy_a.name
