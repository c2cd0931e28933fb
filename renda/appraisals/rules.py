"""The appraisal's result rule and its consequences, in integer arithmetic.

The grade itself is the engine's `rating_result` (DOMAIN.md §4: the first grade whose
votes, added from the best grade down, pass the threshold of the base); here: the share
of the lowest grade, the ranking by favourable votes, the lowest-rated (ties reported and
all included, never broken), and who must rectify. Shares are compared as fractions by
cross-multiplication; percentages are only for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from renda.ballots.rules import Threshold, rating_result

__all__ = ["Outcome", "Threshold", "decide", "rating_result"]


@dataclass
class Outcome:
    """What the rule says of one reporter."""

    key: int
    grade: str | None
    base: int
    favourable: int  # votes for every grade but the lowest
    lowest_votes: int
    rank: int | None = None
    lowest: bool = False
    lowest_tie: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def must_rectify(self) -> bool:
        return bool(self.reasons)

    @property
    def score(self) -> Fraction | None:
        return Fraction(self.favourable, self.base) if self.base > 0 else None


def decide(
    rows: list[tuple[int, dict[str, int], int, str | None]],
    grades: list[str],
    *,
    rectify_when_failed: bool = True,
    share: tuple[int, int] = (1, 3),
    lowest_count: int = 1,
) -> list[Outcome]:
    """Rows are (key, counts per answer, base, grade from the frozen result). Returns one
    Outcome each, ranked by the share of favourable votes (best first, equal shares share
    a rank), with the reasons each must rectify."""
    last = grades[-1]
    outcomes = []
    for key, counts, base, grade in rows:
        favourable = sum(counts.get(g, 0) for g in grades[:-1])
        out = Outcome(
            key=key, grade=grade, base=base, favourable=favourable, lowest_votes=counts.get(last, 0)
        )
        if grade is not None:
            if rectify_when_failed and grade == last:
                out.reasons.append("failed")
            num, den = share
            # Lowest-grade votes above num/den of the base: votes × den > base × num.
            if num and den and out.lowest_votes * den > base * num:
                out.reasons.append("share")
        outcomes.append(out)
    rated = sorted(
        (o for o in outcomes if o.score is not None), key=lambda o: (-(o.score or 0), o.key)
    )
    previous: Fraction | None = None
    for position, o in enumerate(rated, start=1):
        o.rank = position if o.score != previous else _rank_of_previous(rated, position)
        previous = o.score
    # The lowest-rated: only among two or more rated reporters. Everyone whose score is at
    # or below the N-th lowest counts; a tie across that place is marked, never broken.
    if lowest_count and len(rated) >= 2:
        ascending = list(reversed(rated))
        n = min(lowest_count, len(ascending) - 1) or 1
        cut = ascending[n - 1].score
        chosen = [
            o for o in ascending if o.score is not None and cut is not None and o.score <= cut
        ]
        tied = [o for o in ascending if o.score == cut]
        for o in chosen:
            o.lowest = True
            o.reasons.append("lowest")
        if len(chosen) > n:
            for o in tied:
                o.lowest_tie = True
    return outcomes


def _rank_of_previous(rated: list[Outcome], position: int) -> int | None:
    return rated[position - 2].rank
