"""Schemathesis over the REST API's own OpenAPI document (/api/v1/openapi.json), in process
(the WSGI application, no network), with the bearer tokens of several roles: no token, a
resident, a deputy, a handler, staff of the town and staff of another town.

Every call must pass four checks: not a server error, a documented status code, a
documented content type, and a body that matches the documented schema. Two of
schemathesis's phases run: fuzzing (random data, valid and invalid per the schema, for every
operation and role; bounded and derandomised) and coverage (the boundaries of every
parameter, deterministic). The module fits CI time on both databases; each test prints its
counts.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from renda.api.models import ApiToken
from renda.appraisals import services as appraisals
from renda.appraisals.models import MeetingKind
from renda.ballots import services as ballots
from renda.cases import services as case_services
from renda.congress.models import Official
from renda.projects import services as projects
from renda.suggestions import services as suggestion_services
from renda.wsgi import application
from tests.fixtures.ballots import approval_poll, close, open_for, subject_ids
from tests.fixtures.cases import submit

pytestmark = pytest.mark.usefixtures("cases_world")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation, generation mode and role: 6 roles x 2 modes x ~48 operations.
MAX_EXAMPLES = 6
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # No shrinking: a failure is reported as generated, and the run stays bounded.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
ROLES = ["anonymous", "citizen", "deputy", "handler", "other_town_staff", "staff"]


@pytest.fixture(scope="module", autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """As Django's test client does: the WSGI handler's request signals would close the
    connection that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema(_keep_the_test_connection: None) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def _objects(world: Any) -> dict[str, list[int]]:
    """Objects for the generated calls to reach: a new case, an assigned one (with its
    assignment), a deputy's draft and submitted suggestion, a planned meeting."""
    new = submit(world).case
    assigned = submit(world, content="清河镇中心小学门口缺少人行横道和信号灯").case
    case_services.assign_case(assigned, lead=world.dept_a1, acting_user=world.staff)
    assignment = assigned.assignments.get()
    draft = suggestion_services.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="关于修缮东塘村道路的建议",
        content="东塘村主干道路面破损严重，雨天积水，建议尽快修缮。",
        session=world.session_a,
        is_motion=False,
    )
    submitted = suggestion_services.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a2,
        title="关于增设校车的建议",
        content="偏远村组学生上学路途远，建议增设校车线路。",
        session=world.session_a,
        is_motion=False,
    )
    suggestion_services.submit_suggestion(submitted, acting_user=world.deputy_user)
    meeting = suggestion_services.create_meeting(
        congress=world.c_a,
        title="第一次交办会",
        held_on=timezone.localdate(),
        note="",
        acting_user=world.staff,
    )
    # A counted poll (with a receipt), a review meeting, an idea of the reserve pool.
    poll = approval_poll(world)
    open_for(poll, [world.deputy_user], world)
    ballots.cast_online(poll, voter=world.deputy_user, choices={subject_ids(poll)[0]: "yes"})
    close(poll, world.staff)
    official = Official.objects.create(congress=world.c_a, name="高振宇", post="副镇长")
    review = appraisals.create_meeting(
        congress=world.c_a,
        title="述职评议会",
        kind=MeetingKind.OFFICIALS,
        held_on=timezone.localdate(),
        place="镇政府",
        acting_user=world.staff,
    )
    appraisals.add_reporter(
        review, official=official, report_title="述职报告", acting_user=world.staff
    )
    idea = projects.propose_idea(
        congress=world.c_a, title="东塘村路灯", description="村口路灯坏了", source="resident"
    )
    return {
        # path parameters
        "congress_id": [world.c_a.pk, world.c_b.pk],
        "session_id": [world.session_a.pk],
        "category_id": [world.cat_a.pk, world.cat_b.pk],
        "department_id": [world.dept_a1.pk, world.dept_b1.pk],
        "deputy_id": [world.deputy_a.pk, world.deputy_b.pk],
        "official_id": [official.pk],
        "poll_id": [poll.pk],
        "review_id": [review.pk],
        "idea_id": [idea.pk],
        "case_id": [new.pk, assigned.pk],
        "assignment_id": [assignment.pk],
        "suggestion_id": [draft.pk, submitted.pk],
        "meeting_id": [meeting.pk],
        # fields of bodies and filters
        "congress": [world.c_a.pk, world.c_b.pk],
        "category": [world.cat_a.pk, world.cat_a2.pk],
        "session": [world.session_a.pk],
        "village": [world.village_a.pk],
        "department": [world.dept_a1.pk, world.dept_a2.pk],
        "lead": [world.dept_a1.pk, world.dept_a2.pk],
        "co_handlers": [world.dept_a2.pk],
        "splits": [world.dept_a1.pk, world.dept_a2.pk],
        "cosigners": [world.deputy_b.pk],
        "suggestion": [submitted.pk],
        "parent": [world.dept_a2.pk, world.cat_a2.pk],
        "default_department": [world.dept_a1.pk],
        "term": [world.term_a.pk, world.term_b.pk],
    }


# Dates in bodies that the services accept: the meeting's day, a due date ahead; a session
# within term A.
DAYS = {"held_on": 0, "due": 10, "until": 20, "start_date": -300, "end_date": -299}


def _aim(case: Any, rnd: Any, known: dict[str, list[int]]) -> Any:
    """Half of the time, a field that names an object gets the id of one that exists (and a
    date one the services accept): random ids alone almost never get past the lookups."""
    today = timezone.localdate()

    def visit(data: Any) -> None:
        if isinstance(data, list):
            for item in data:
                visit(item)
            return
        if not isinstance(data, dict):
            return
        for name, value in list(data.items()):
            if rnd.random() < 0.5:
                visit(value)
                continue
            if name in known:
                ids = known[name]
                data[name] = list(ids) if isinstance(value, list) else rnd.choice(ids)
            elif name in DAYS:
                data[name] = (today + dt.timedelta(days=DAYS[name])).isoformat()
            else:
                visit(value)

    visit(case.body)
    visit(case.query)
    return case


def _strategy(operation: Any, mode: Any, known: dict[str, list[int]]) -> Any:
    """Generated path ids, or the id of an object that exists (so that the bodies reach
    the services rather than a 404)."""
    generated = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if names and all(name in known for name in names):
        (name,) = names
        fixed = [
            operation.as_strategy(generation_mode=mode, path_parameters={name: pk})
            for pk in known[name]
        ]
        generated = st.one_of(*fixed, generated)
    return st.tuples(generated, st.randoms(use_true_random=False)).map(
        lambda pair: _aim(pair[0], pair[1], known)
    )


class Caller:
    """Sends cases as one role and validates every answer; keeps the counts and failures."""

    def __init__(self, token: str | None) -> None:
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self._tracebacks: list[str] = []

    def __enter__(self) -> Caller:
        got_request_exception.connect(self._remember)
        return self

    def __exit__(self, *exc_info: object) -> None:
        got_request_exception.disconnect(self._remember)

    def _remember(self, sender: Any, request: Any = None, **kwargs: Any) -> None:
        self._tracebacks.append(traceback.format_exc())

    def send(self, case: Any) -> None:
        """Raises the check failures, with the server's traceback if there was one."""
        self._tracebacks.clear()
        response = case.call(headers=self.headers)
        self.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=self.headers)
        except (Exception, BaseExceptionGroup) as exc:
            if self._tracebacks:
                exc.add_note("Server traceback:\n" + self._tracebacks[-1])
            raise

    def fuzz(self, operation: Any, mode: Any, strategy: Any) -> None:
        @HYPOTHESIS
        @given(case=strategy)
        def check(case: Any) -> None:
            self.send(case)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  (every operation is tried)
            self.failures.append(f"{operation.label} [{mode.value}]: {_describe(exc)}")

    def report(self, role: str, phase: str, capsys: pytest.CaptureFixture[str]) -> None:
        with capsys.disabled():  # the counts go to the CI log
            print(
                f"\nschemathesis {phase} [{role}]: {self.statuses.total()} calls, "
                f"{len(self.failures)} failures, statuses {dict(sorted(self.statuses.items()))}"
            )


def _token(personas: dict[str, Any], role: str) -> str | None:
    user = personas[role]
    return ApiToken.issue(user=user, name="fuzz")[1] if user is not None else None


@pytest.mark.parametrize("role", ROLES)
def test_generated_calls_meet_the_schema(world, personas, api_schema, role, capsys):
    """The fuzzing phase: random data, valid and invalid, for every operation and role."""
    known = _objects(world)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    with Caller(_token(personas, role)) as caller:
        for operation in operations:
            for mode in schemathesis.GenerationMode:
                caller.fuzz(operation, mode, _strategy(operation, mode, known))
    caller.report(role, "fuzzing", capsys)
    statuses = caller.statuses
    assert not caller.failures, "\n\n".join(caller.failures)
    assert statuses.total() >= len(operations) * 2 * MAX_EXAMPLES
    # The calls reached the endpoints: the token's user was recognised and got answers, not
    # only refusals; without a token, everything is refused.
    if personas[role] is None:
        assert set(statuses) <= {401, 404}  # 404: a path the API does not have
    else:
        assert statuses[200] > 0 and statuses[400] > 0


# The coverage phase is deterministic: the boundaries of every parameter (a minimum, a
# maximum, one past each, a wrong type, a missing field). The role that reaches the services
# behind each group of operations sends them: validation comes after authentication, so
# the other roles would only be refused earlier.
BOUNDARY_ROLES = {
    "staff": "/api/v1/",
    "deputy": "/api/v1/suggestions",
    "handler": "/api/v1/assignments",
}


def _pin(case: Any, known: dict[str, list[int]]) -> Any:
    """The valid id the coverage phase uses (1) becomes the id of an object that exists."""

    def visit(data: Any) -> None:
        if isinstance(data, dict):
            for name, value in data.items():
                if name in known and value in (1, "1"):
                    data[name] = known[name][0]
                elif name in known and value == [1]:
                    data[name] = known[name][:1]
                else:
                    visit(value)
        elif isinstance(data, list):
            for item in data:
                visit(item)

    visit(case.path_parameters)
    visit(case.query)
    visit(case.body)
    return case


@pytest.mark.parametrize("role", list(BOUNDARY_ROLES))
def test_boundary_values_meet_the_schema(world, personas, api_schema, role, capsys):
    known = _objects(world)
    operations = [
        result.ok()
        for result in api_schema.get_all_operations()
        if result.ok().path.startswith(BOUNDARY_ROLES[role])
    ]
    seen: set[str] = set()
    with Caller(_token(personas, role)) as caller:
        for operation in operations:
            cases = api_schema.iter_coverage_cases(
                operation,
                generation_modes=list(schemathesis.GenerationMode),
                generation_config=api_schema.config.generation_for(operation=operation),
            )
            for case in cases:
                if case.method.upper() != operation.method.upper():
                    continue  # methods the operation does not have: not what is checked here
                try:
                    caller.send(_pin(case, known))
                except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
                    failure = f"{operation.label}: {_describe(exc)}"
                    kinds = [line for line in failure.splitlines() if line.startswith("- ")]
                    key = f"{operation.label} {sorted(kinds)}"
                    if key not in seen:  # one report per operation and kind of failure
                        seen.add(key)
                        caller.failures.append(failure)
    caller.report(role, "coverage", capsys)
    assert not caller.failures, "\n\n".join(caller.failures)
    assert caller.statuses[400] > 0 and caller.statuses[200] > 0


def _describe(exc: BaseException) -> str:
    notes: Callable[[BaseException], list[str]] = lambda e: list(getattr(e, "__notes__", []))  # noqa: E731
    return "\n".join([str(exc), *notes(exc)])[:4000]
