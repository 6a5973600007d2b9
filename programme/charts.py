"""Geometry for the phase timeline and the funding chart, drawn as inline SVG.

The templates (includes/_timeline.svg, includes/_funding_chart.html) draw what
these functions lay out, and format the amounts and shares in the visitor's
language; the stylesheet colours them by class. Everything is computed from the rows a page already
has (prefetched phases and grants), so a chart costs no queries.
"""

import textwrap
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .models import PhaseStatus

# The colours themselves live in static/css/site.css (--chart-funder-N): the
# layout names a funder's colour by its number only.
FUNDER_COLOUR_COUNT = 4

TIMELINE_STEP = 200
TIMELINE_MIN_WIDTH = 400
CHART_WIDTH = 400
CHART_PLOT_LEFT = 8
CHART_PLOT_WIDTH = CHART_WIDTH - 2 * CHART_PLOT_LEFT
LEGEND_LINE_HEIGHT = 19
LEGEND_GAP = 10
# About what fits beside the swatch in 15 px type within the 400 unit width.
LEGEND_LINE_LENGTH = 36
LEGEND_MAX_LINES = 2


def legend_lines(text):
    """SVG text does not wrap: break a long name into lines, ending in an
    ellipsis only past two lines (the table beside the chart has it whole)."""
    lines = textwrap.wrap(str(text), LEGEND_LINE_LENGTH) or [""]
    if len(lines) > LEGEND_MAX_LINES:
        last = lines[LEGEND_MAX_LINES - 1][: LEGEND_LINE_LENGTH - 1].rstrip()
        lines = [*lines[: LEGEND_MAX_LINES - 1], last + "…"]
    return lines


@dataclass
class TimelineStop:
    x: int
    number: int
    title: str
    status: str
    status_label: str
    dates: str
    line_to_next_dashed: bool = False
    next_x: int | None = None


@dataclass
class Timeline:
    width: int
    height: int
    stops: list = field(default_factory=list)


def timeline_layout(phases):
    """Lay the phases out in their order, one stop each.

    Phases are drawn in sequence, not on a time scale: phase dates are often
    unknown or known only to a year, and a scale would have to invent them.
    """
    phases = list(phases)
    width = max(TIMELINE_MIN_WIDTH, TIMELINE_STEP * len(phases))
    step = width // max(len(phases), 1)
    stops = []
    for index, phase in enumerate(phases):
        stops.append(
            TimelineStop(
                x=step * index + step // 2,
                number=phase.number,
                title=str(phase.title),
                status=phase.status_css,
                status_label=str(phase.status_label),
                dates=phase.period_display,
            )
        )
    for stop, following in zip(stops, stops[1:], strict=False):
        stop.next_x = following.x
        # The path ahead is dashed where the next phase has not started.
        stop.line_to_next_dashed = following.status == PhaseStatus.PLANNED
    return Timeline(width=width, height=132, stops=stops)


@dataclass
class ChartBar:
    label: str
    amount: Decimal
    share: Decimal | None
    # 1 to FUNDER_COLOUR_COUNT; None for the part of the frame not accounted for.
    colour_number: int | None
    x: float
    width: float
    legend_y: int
    label_lines: list
    is_unrecorded: bool = False

    @property
    def label_line_positions(self):
        """(y, text) of each line of the name, then the amount's y below them."""
        return [
            (self.legend_y + index * LEGEND_LINE_HEIGHT, line)
            for index, line in enumerate(self.label_lines)
        ]

    @property
    def amount_y(self):
        return self.legend_y + len(self.label_lines) * LEGEND_LINE_HEIGHT

    @property
    def legend_height(self):
        return (len(self.label_lines) + 1) * LEGEND_LINE_HEIGHT + LEGEND_GAP


@dataclass
class FundingChart:
    width: int
    height: int
    bar_y: int
    bar_height: int
    bars: list
    total_budget: Decimal | None
    awarded_total: Decimal
    plot_x: int = CHART_PLOT_LEFT
    plot_width: int = CHART_PLOT_WIDTH


def rounded_share(part, whole):
    """The share rounded to a tenth of a per cent, so that the shares drawn add up to 100."""
    if not whole:
        return None
    return (part / whole).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def awarded_by_funder(grants):
    """Sum the grants per funder, in the order funders first appear."""
    totals = {}
    for grant in grants:
        funder = str(grant.funder)
        totals[funder] = totals.get(funder, Decimal("0")) + grant.amount
    return totals


def funding_chart_layout(programme):
    """One bar for the total frame, filled by what each funder has awarded.

    Returns None when there is nothing to draw (no grants published).
    """
    grants = list(programme.grants.all())
    if not grants:
        return None
    totals = awarded_by_funder(grants)
    awarded_total = sum(totals.values(), Decimal("0"))
    total_budget = programme.total_budget
    # More awarded than the frame would overflow the bar; scale to the larger.
    scale = max(total_budget or Decimal("0"), awarded_total)
    bar_y, bar_height = 34, 36
    bars = []
    x = Decimal(CHART_PLOT_LEFT)
    legend_y = bar_y + bar_height + 30

    def add_bar(label, amount, colour_number, width, *, is_unrecorded=False):
        nonlocal x, legend_y
        bars.append(
            ChartBar(
                label=label,
                label_lines=legend_lines(label),
                amount=amount,
                share=rounded_share(amount, total_budget),
                colour_number=colour_number,
                x=round(float(x), 2),
                width=round(float(width), 2),
                legend_y=legend_y,
                is_unrecorded=is_unrecorded,
            )
        )
        legend_y += bars[-1].legend_height
        x += width

    for index, (funder, amount) in enumerate(totals.items()):
        colour_number = index % FUNDER_COLOUR_COUNT + 1
        add_bar(funder, amount, colour_number, Decimal(CHART_PLOT_WIDTH) * amount / scale)
    unrecorded = programme.budget_not_accounted_for
    if unrecorded:
        # The rest of the frame, whatever rounding left of it.
        width = Decimal(CHART_PLOT_LEFT + CHART_PLOT_WIDTH) - x
        add_bar(_("Funding not recorded here"), unrecorded, None, width, is_unrecorded=True)
    height = legend_y - LEGEND_LINE_HEIGHT
    return FundingChart(
        width=CHART_WIDTH,
        height=height,
        bar_y=bar_y,
        bar_height=bar_height,
        bars=bars,
        total_budget=total_budget,
        awarded_total=awarded_total,
    )
