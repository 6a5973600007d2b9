"""Inline SVG charts: the phase timeline and the funding chart."""

from django import template

from programme.charts import funding_chart_layout, timeline_layout

register = template.Library()


@register.inclusion_tag("includes/_timeline.svg")
def phase_timeline(phases, id_prefix="timeline"):
    """Draw the phases in order, with their status and known dates."""
    phases = list(phases)
    return {"timeline": timeline_layout(phases) if phases else None, "id_prefix": id_prefix}


@register.inclusion_tag("includes/_funding_chart.html")
def funding_chart(programme, table_id, id_prefix="funding-chart"):
    """Draw awarded amounts against the total budget, linked to the table `table_id`."""
    return {
        "programme": programme,
        "chart": funding_chart_layout(programme),
        "table_id": table_id,
        "id_prefix": id_prefix,
    }
