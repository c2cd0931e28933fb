"""A reply that still holds a reply template's blanks ("{年度}", "{时间}") is refused, on
every path: the service, the department's page and the REST API (issue 14, item 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from renda.cases import services
from renda.cases.models import Assignment, AssignmentStatus, Case, ReplyTemplate
from renda.core.errors import DomainError
from tests.fixtures.api import Api
from tests.fixtures.cases import submit

pytestmark = pytest.mark.usefixtures("cases_world")

TEMPLATE = "您反映的问题已列入{年度}工作计划，预计{时间}前完成，届时将告知您。"
ZH_ERROR = "答复中仍有模板待填写的内容{年度}、{时间}，请逐项替换为实际内容后再提交。"


def _signed(world: Any) -> Assignment:
    case = submit(world).case
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assignment = case.assignments.get(status=AssignmentStatus.ASSIGNED)
    services.sign_assignment(assignment, acting_user=world.handler_a)
    assignment.refresh_from_db()
    return assignment


def _unanswered(assignment: Assignment) -> None:
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.SIGNED
    assert not assignment.case.replies.exists()


@pytest.mark.parametrize(
    ("text", "public_text", "left"),
    [
        (TEMPLATE, "", "{年度}、{时间}"),
        ("已办理完毕：{处理结果}。", "", "{处理结果}"),
        ("已列入｛年度｝工作计划", "", "｛年度｝"),  # full-width braces
        ("已列入2027年工作计划，预计6月前完成。", "预计{时间}前完成", "{时间}"),
    ],
)
def test_a_reply_with_template_blanks_is_refused(world, text, public_text, left):
    assignment = _signed(world)
    with translation.override("en"), pytest.raises(DomainError) as refused:
        services.reply_case(
            assignment,
            reply_class="B",
            text=text,
            public_text=public_text,
            acting_user=world.handler_a,
        )
    assert str(refused.value) == (
        f"The reply still contains the template's blanks {left}: "
        "replace each with the actual content before sending."
    )
    _unanswered(assignment)


def test_the_refusal_is_translated(world):
    assignment = _signed(world)
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.reply_case(assignment, reply_class="B", text=TEMPLATE, acting_user=world.handler_a)
    assert str(refused.value) == ZH_ERROR


def test_the_filled_in_template_is_accepted(world):
    assignment = _signed(world)
    text = TEMPLATE.replace("{年度}", "2027年度").replace("{时间}", "6月底")
    reply = services.reply_case(assignment, reply_class="B", text=text, acting_user=world.handler_a)
    assert reply.text == text and reply.public_text == text
    # Braces that are not a blank (a list in braces, an empty pair) are ordinary text.
    other = _signed(world)
    services.reply_case(
        other, reply_class="A", text="已修复 {} 处，另见附件 {1, 2}", acting_user=world.handler_a
    )


def test_the_department_page_shows_the_error_and_keeps_the_case(world, client):
    assignment = _signed(world)
    ReplyTemplate.objects.create(congress=world.c_a, title="列入计划", text=TEMPLATE)
    client.force_login(world.handler_a)
    client.cookies["django_language"] = "zh-hans"
    url = reverse("cases:department_action", args=[assignment.case_id, "reply"])
    response = client.post(url, {"reply_class": "B", "text": TEMPLATE})
    assert response.status_code == 400  # the form again, with the error
    assert ZH_ERROR in response.content.decode()
    _unanswered(assignment)


def test_the_rest_api_refuses_it_with_the_message(world):
    assignment = _signed(world)
    response = Api(world.handler_a).post(
        f"/assignments/{assignment.pk}/reply", {"reply_class": "B", "text": TEMPLATE}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": ZH_ERROR}
    _unanswered(assignment)
    assert Case.objects.get(pk=assignment.case_id).status == "signed"
