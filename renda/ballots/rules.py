"""Result rules as integer arithmetic: no floating point decides a vote.

A threshold is a fraction num/den and a strictness: "more than half" is 2 × yes > base
(num=1, den=2, strict); "at least two thirds" is 3 × yes ≥ 2 × base. Ties are reported,
never broken.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
    num: int = 1
    den: int = 2
    strict: bool = True  # "more than" (>) or "at least" (≥)

    def met(self, votes: int, base: int) -> bool:
        if base <= 0:
            return False
        left, right = votes * self.den, base * self.num
        return left > right if self.strict else left >= right


def rating_result(
    counts: dict[str, int], base: int, threshold: Threshold, order: list[str]
) -> str | None:
    """DOMAIN.md §4: the first grade whose cumulative votes pass the threshold of the base.
    With 满意/基本满意/不满意: 满意 if 满意 > half; 基本满意 if 满意 + 基本满意 > half; else 不满意.
    `order` lists the grades best first; the last grade is the fallback."""
    if base <= 0 or not order:
        return None
    cumulative = 0
    for grade in order[:-1]:
        cumulative += counts.get(grade, 0)
        if threshold.met(cumulative, base):
            return grade
    return order[-1]


@dataclass
class Ranked:
    subject_id: int
    votes: int
    passed: bool
    elected: bool = False
    tie: bool = False


def rank_approvals(
    rows: list[tuple[int, int]], base: int, threshold: Threshold, seats: int | None
) -> list[Ranked]:
    """Subjects (id, yes votes) that pass the threshold, ranked by yes votes. With a number
    of seats, the first `seats` are elected; a tie across the last seat marks every tied
    subject `tie` and elects none of them (a further vote decides, DOMAIN.md §5)."""
    ranked = sorted(
        (Ranked(subject_id=sid, votes=v, passed=threshold.met(v, base)) for sid, v in rows),
        key=lambda r: (-r.votes, r.subject_id),
    )
    passing = [r for r in ranked if r.passed]
    if seats is None or len(passing) <= seats:
        for r in passing:
            r.elected = True
        return ranked
    cut = passing[seats - 1].votes
    above = [r for r in passing if r.votes > cut]
    at_cut = [r for r in passing if r.votes == cut]
    for r in above:
        r.elected = True
    if len(above) + len(at_cut) <= seats:
        for r in at_cut:
            r.elected = True
    else:
        for r in at_cut:
            r.tie = True
    return ranked
