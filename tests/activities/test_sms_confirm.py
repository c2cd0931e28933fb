"""The invitation SMS's short link: each deputy's own keyed link (the key ring) opens a
confirm page on the phone without signing in; one tap confirms or declines (audited, with
the deputy's account and the channel); a forged or altered link gets one answer and such
refusals are rate-limited; a held activity takes no more answers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from renda.activities import services
from renda.activities.models import ActivityKind, Invitation, InvitationStatus
from renda.core.models import ActionLog, OutboxMessage
from tests.fixtures.activities import _deputy, announced


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


LINK = re.compile(r"https?://\S+/i/(\d+)/([0-9a-z.]+)/")


def link_of(phone: str) -> str:
    message = OutboxMessage.objects.filter(channel="sms", recipient=phone).latest("id")
    found = LINK.search(message.payload["text"])
    assert found is not None, message.payload["text"]
    return found.group(0)


def path_of(link: str) -> str:
    return link[link.index("/i/") :]


def test_each_invitee_gets_a_short_link_of_their_own(acts):
    activity = announced(acts)
    links = {d.phone: link_of(d.phone) for d in (acts.city_deputy, acts.district_deputy)}
    assert len(set(links.values())) == 2
    for phone, link in links.items():
        invitation = Invitation.objects.get(activity=activity, deputy__phone=phone)
        assert link == services.invitation_link(invitation)
        assert len(link) < 70  # short enough for one text message with the invitation
    # Invitees added after the announcement get theirs at once.
    late = _deputy("李镇代表", "13900000039", acts.term_a, acts.village_a)
    services.invite(activity, [late], acting_user=acts.staff)
    invitation = Invitation.objects.get(activity=activity, deputy=late)
    assert link_of(late.phone) == services.invitation_link(invitation)


def test_the_link_confirms_without_signing_in(acts):
    activity = announced(acts)
    path = path_of(link_of(acts.city_deputy.phone))
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert activity.topic in body and acts.city_deputy.name not in body  # the name is masked
    assert acts.district_deputy.name not in body  # nobody else's invitation
    token = page.cookies["csrftoken"].value
    response = client.post(path, {"answer": "yes", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    invitation = Invitation.objects.get(activity=activity, deputy=acts.city_deputy)
    assert invitation.status == InvitationStatus.CONFIRMED and invitation.answered_at
    entry = ActionLog.objects.filter(action="activity.answer").latest("id")
    assert entry.actor_id == acts.city_deputy.user_id
    assert entry.note in (
        "Answered from the SMS link.",
        "通过短信链接答复。",
    )  # the page's language
    # Changing one's mind: decline from the same link.
    client.post(path, {"answer": "no", "csrfmiddlewaretoken": token})
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    # Without the CSRF token nothing changes.
    assert Client(enforce_csrf_checks=True).post(path, {"answer": "yes"}).status_code == 403


def test_forged_or_altered_links_get_one_answer_and_are_limited(acts, settings):
    settings.RENDA_CODE_LIMIT = 3
    activity = announced(acts)
    good = path_of(link_of(acts.city_deputy.phone))
    other = Invitation.objects.get(activity=activity, deputy=acts.district_deputy)
    pk, token = good.strip("/").split("/")[1:]
    altered = token[:-1] + ("1" if token[-1] == "0" else "0")
    client = Client()
    answers = set()
    for bad in (
        f"/i/{pk}/{altered}/",  # altered
        f"/i/{other.pk}/{token}/",  # another invitation's id with this token
        f"/i/{pk}/9.{token.split('.')[-1]}/",  # a key version not in the ring
    ):
        response = client.get(bad)
        assert response.status_code == 404
        answers.add(response.content.decode().split("<main")[-1])
    assert len(answers) == 1
    assert client.get(good).status_code == 429
    assert Invitation.objects.get(pk=other.pk).status == InvitationStatus.INVITED


def test_a_held_activity_takes_no_more_answers(acts):
    activity = announced(acts, kind=ActivityKind.SURVEY)
    path = path_of(link_of(acts.town_deputy2.phone))
    services.mark_held(activity, acting_user=acts.staff)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and 'name="answer"' not in page.content.decode()
    response = client.post(path, {"answer": "yes"})
    assert response.status_code == 400
    invitation = Invitation.objects.get(activity=activity, deputy=acts.town_deputy2)
    assert invitation.status == InvitationStatus.ABSENT
