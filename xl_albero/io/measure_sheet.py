"""The ``Raggiungimento`` sheet of ``riepilogo``: measured figures, bands, a chart per sector.

Written only when the tree has monitoring values (``measure.require_measured``): grado di
raggiungimento of the comune, per area and per sector (led objectives; involved shown
apart), the bands, the notes on how the figures were computed, and a bar chart of the
grado per sector. An objective or node that is not reported shows «non rilevato», never
0 %. The rows come from ``measure_view.measure_rows`` (pure), shared with the Excel add-in.
"""

from __future__ import annotations

from typing import Any

from xl_albero.measure import GRADO, GRADO_COINVOLTO, Measurement
from xl_albero.measure_view import NOT_REPORTED, measure_rows

SHEET_MEASURE = "Raggiungimento"
#: Hidden column with the chart's values (blank where not reported).
_CHART_COL = 8


def write_measure_sheet(wb: Any, m: Measurement) -> None:
    """Add the ``Raggiungimento`` sheet (XlsxWriter workbook) with its chart."""
    rows = measure_rows(m)
    ws = wb.add_worksheet(SHEET_MEASURE)
    title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#1F4E79"})
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "white",
                          "text_wrap": True, "valign": "top"})
    head_row: list[int] = []
    pct = wb.add_format({"num_format": '0.0" %"', "valign": "top"})
    text = wb.add_format({"valign": "top"})
    grey = wb.add_format({"italic": True, "font_color": "#7F7F7F", "valign": "top"})
    ws.set_column(0, 0, 58)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 11)
    ws.set_column(3, 3, 26)
    ws.set_column(4, 7, 11)
    ws.set_column(_CHART_COL, _CHART_COL, None, None, {"hidden": True})
    ws.write_string(0, 0, rows["title"], title)
    ws.write_string(1, 0, rows["comune"], bold)
    r = 3
    blocks: dict[str, tuple[int, int]] = {}
    for key, label in (("areas", "Per area strategica"), ("sectors", "Per settore"),
                       ("bands", "Fasce")):
        table = rows[key]
        ws.write_string(r, 0, label, bold)
        r += 1
        for j, h in enumerate(table[0]):
            ws.write_string(r, j, str(h), head)
        head_row.append(r)
        first = r + 1
        for rec in table[1:]:
            r += 1
            for j, v in enumerate(rec):
                header = table[0][j]
                if v == NOT_REPORTED:
                    ws.write_string(r, j, v, grey)
                elif isinstance(v, int | float) and header in (GRADO, GRADO_COINVOLTO):
                    ws.write_number(r, j, v, pct)
                elif isinstance(v, int | float):
                    ws.write_number(r, j, v)
                else:
                    ws.write_string(r, j, str(v), text)
            if key == "sectors":  # the chart's values: a gap, never 0, when not reported
                g = rec[2]
                if isinstance(g, int | float):
                    ws.write_number(r, _CHART_COL, g)
                else:
                    ws.write_blank(r, _CHART_COL, None)
        blocks[key] = (first, r)
        r += 2
    for note in rows["notes"]:
        ws.write_string(r, 0, note, grey)
        r += 1
    first, last = blocks["sectors"]
    if last >= first:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({
            "name": "Grado di raggiungimento %",
            "categories": [SHEET_MEASURE, first, 1, last, 1],
            "values": [SHEET_MEASURE, first, _CHART_COL, last, _CHART_COL],
            "fill": {"color": "#2F75B5"},
            "data_labels": {"value": True, "num_format": '0.0" %"'},
        })
        chart.set_title({"name": "Grado di raggiungimento per settore"})
        chart.set_x_axis({"min": 0, "max": 100, "name": "%",
                          "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.show_blanks_as("gap")
        chart.show_hidden_data()
        chart.set_size({"width": 720, "height": max(300, 80 + 24 * (last - first + 1))})
        ws.insert_chart(3, _CHART_COL + 1, chart)
    for hr in head_row:
        ws.set_row(hr, 30)  # two-line headers (Obiettivi guidati, Grado % coinvolto)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
