"""One figure, one function (issue 14): an appraisal's counts and shares read the same on
the meeting page, the reporter page, the result sheets (.xlsx, .docx), the public page and
the ballot engine's announcement — every share of the rule's base (valid ballots without
abstentions), with the engine's rounding, the invalid ballots shown everywhere.

The scenario: seven deputies present, three vote online and four on paper (two tellers),
one paper ballot is invalid (废票), abstention is allowed and used, and the two lowest
reporters tie."""

from __future__ import annotations

import io

import lxml.html
import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from renda.appraisals import services, sheets
from renda.ballots import presentation
from renda.ballots import services as ballots
from tests.fixtures import appraisals as appraisals_fixtures
from tests.fixtures.appraisals import make_meeting, open_with_attendance
from tests.fixtures.ballots import shares_of

town = appraisals_fixtures.town

S, B, U, A = "satisfied", "basic", "unsatisfied", "abstain"
# Answers for 高振宇, 林雅婷, 曹建国 (in speaking order).
ONLINE = [[S, S, B], [S, A, U], [S, U, U]]
PAPER = [[B, S, S], [S, U, A], [A, S, B]]  # and one invalid paper ballot

# By hand. Every reporter: 7 ballots, 1 invalid, 6 valid, 1 abstention → base 5.
# Cells in the order 满意, 基本满意, 不满意, 弃权, each (votes, share of the base).
EXPECTED = {
    "高振宇": ([(4, "80.0%"), (1, "20.0%"), (0, "0.0%"), (1, "20.0%")], 5, "100.0%", S),
    "林雅婷": ([(3, "60.0%"), (0, "0.0%"), (2, "40.0%"), (1, "20.0%")], 5, "60.0%", S),
    "曹建国": ([(1, "20.0%"), (2, "40.0%"), (2, "40.0%"), (1, "20.0%")], 5, "60.0%", B),
}


@pytest.fixture
def meeting(world, town):
    meeting = make_meeting(world, town, allow_abstain=True)
    open_with_attendance(world, town, meeting, present=7)
    subjects = list(meeting.reporters.order_by("order").values_list("subject_id", flat=True))
    for user, answers in zip(town.users, ONLINE, strict=False):
        ballots.cast_online(
            meeting.poll, voter=user, choices=dict(zip(subjects, answers, strict=True))
        )
    paper = [dict(zip(subjects, answers, strict=True)) for answers in PAPER]
    paper.append({"invalid": True})
    ballots.enter_paper_batch(meeting.poll, number=1, ballots=paper, teller=world.staff)
    ballots.enter_paper_batch(
        meeting.poll, number=1, ballots=list(reversed(paper)), teller=town.teller
    )
    ballots.record_paper_counts(meeting.poll, issued=4, returned=4, acting_user=world.staff)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    meeting.refresh_from_db()
    return meeting


def _text(element) -> str:  # noqa: ANN001
    return " ".join(element.text_content().split())


def _rows(html: str, table_xpath: str) -> list[list[str]]:
    doc = lxml.html.fromstring(html)
    return [[_text(td) for td in tr.xpath("./td")] for tr in doc.xpath(table_xpath + "//tbody/tr")]


def test_the_rule_judged_the_scenario_as_counted_by_hand(meeting):
    result = meeting.poll.result
    assert (result["ballots"], result["invalid"]) == (7, 1)
    reporters = {r.name: r for r in meeting.reporters.all()}
    for name, (cells, base, _favourable, grade) in EXPECTED.items():
        r = reporters[name]
        assert (r.base, r.grade) == (base, grade)
        assert [r.counts.get(code, 0) for code in (S, B, U, A)] == [n for n, _s in cells]
    # The two lowest tie (3 of 5 favourable each): both marked, never broken.
    assert reporters["林雅婷"].lowest_tie and reporters["曹建国"].lowest_tie
    assert reporters["林雅婷"].rank == reporters["曹建国"].rank == 2


def test_shares_of_a_person_add_up_to_the_whole_base(meeting):
    rows = presentation.by_subject(sheets.summary(meeting))
    for reporter in meeting.reporters.all():
        figures = sheets.figures_of(meeting, reporter, rows)
        graded = figures.cells[:3]  # abstentions are outside the base
        assert sum(n for _label, n, _share in graded) == figures.base
        assert sum(float(share.rstrip("%")) for _label, _n, share in graded) == 100.0


def test_meeting_page_reporter_pages_sheets_public_page_and_announcement_agree(
    client, world, meeting
):
    client.force_login(world.staff)
    names = list(EXPECTED)

    # The meeting page: one row per reporter, after 6 columns the cells, base, rate, result.
    page = client.get(reverse("appraisals:meeting", args=[meeting.pk])).content.decode()
    rows = {row[1]: row for row in _rows(page, '//table[contains(@class, "cases")]')}
    for name, (cells, base, favourable, _grade) in EXPECTED.items():
        row = rows[name]
        shown = [cell.rsplit(" ", 2)[-2:] for cell in row[6:10]]
        assert shown == [[str(n), f"({share})"] for n, share in cells]
        assert row[10] == str(base)
        assert row[11].endswith(favourable)
    assert "57.1%" not in page  # 4 of all 7 ballots cast: the old, wrong denominator
    facts = dict(
        (_text(tr.xpath("./th")[0]), _text(tr.xpath("./td")[0]))
        for tr in lxml.html.fromstring(page).xpath('//table[@class="table"]//tr[th and td]')
    )
    assert facts[_("Invalid ballots")] == "1" and facts[_("Valid ballots")] == "6"
    assert facts[_("Ballots cast")] == "7"

    # Each reporter's page.
    for reporter in meeting.reporters.all():
        cells, base, favourable, _grade = EXPECTED[reporter.name]
        page = client.get(reverse("appraisals:reporter", args=[reporter.pk])).content.decode()
        doc = lxml.html.fromstring(page)
        table = [[_text(c) for c in tr.xpath("./th|./td")] for tr in doc.xpath("//table//tr")]
        assert [row[1:] for row in table[:4]] == [[str(n), share] for n, share in cells]
        assert table[4][1].startswith(str(base)) and table[5][1] == favourable

    # The meeting's result sheet (.xlsx), read back.
    from openpyxl import load_workbook

    response = client.get(reverse("appraisals:meeting_sheet", args=[meeting.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    by_name = {row[1]: row for row in values if row and row[1] in EXPECTED}
    for name, (cells, base, favourable, _grade) in EXPECTED.items():
        row = by_name[name]
        assert row[4:12] == [x for n, share in cells for x in (n, share)]
        assert row[12:14] == [base, favourable]
    facts = {row[0]: row[1] for row in values if row and row[0] and row[1] is not None}
    assert (facts[_("Invalid ballots")], facts[_("Valid ballots")]) == ("1", "6")

    # A person's sheet (.docx).
    from docx import Document

    reporter = meeting.reporters.get(name="高振宇")
    response = client.get(reverse("appraisals:reporter_sheet", args=[reporter.pk, "docx"]))
    pairs = {
        row.cells[0].text: row.cells[1].text
        for row in Document(io.BytesIO(response.content)).tables[1].rows
    }
    header = [str(h) for h in sheets.header(meeting)]
    assert [pairs[header[i]] for i in range(4, 12)] == ["4", "80.0%", "1", "20.0%"] + [
        "0",
        "0.0%",
        "1",
        "20.0%",
    ]

    # The engine's announcement (公告) of the poll.
    page = client.get(reverse("ballots:announcement", args=[meeting.poll_id])).content.decode()
    announced = {row[0]: row for row in _rows(page, '//table[contains(@class, "result-table")]')}
    assert _("Invalid ballots: %(n)s.") % {"n": 1} in page
    for reporter in meeting.reporters.all():
        cells, base, _favourable, _grade = EXPECTED[reporter.name]
        row = announced[str(reporter)]
        assert row[1:5] == [f"{n} {share}" for n, share in cells]
        assert row[5] == str(base)

    # The public page, once published.
    services.publish_result(meeting, acting_user=world.staff)
    client.logout()
    page = client.get(reverse("appraisals:public_result", args=[meeting.pk])).content.decode()
    rows = {row[0]: row for row in _rows(page, '//table[contains(@class, "cases")]')}
    for name in names:
        cells, base, favourable, _grade = EXPECTED[name]
        row = rows[name]
        assert [cell.rsplit(" ", 2)[-2:] for cell in row[2:6]] == [
            [str(n), f"({share})"] for n, share in cells
        ]
        assert row[6:8] == [str(base), favourable]
    assert _("Invalid ballots: %(n)s.") % {"n": 1} in page
    assert "57.1%" not in page
