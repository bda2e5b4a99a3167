"""`pcf explain-shipment <shipment_id>`: every element of a container shipment and how its kgCO2e came about."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from orchestration.home import Home
from orchestration.warehouse import connect, table_exists

_ELEMENTS_SQL = """
    select submission_id, received_date, is_current, element_seq, element_type, coalesce(mode, hub_type),
           origin_locode, destination_locode, distance_km, departure_date, calculation_method,
           activity_amount, activity_unit, factor_activity_code, wtw_factor_id, ttw_factor_id,
           wtw_kgco2e, ttw_kgco2e, row_status, error_codes, is_blocked_by_shipment,
           shipper_uscc, container_no, teu, cargo_mass_t, transport_work_teukm, source_row
    from intermediate.int_shipment_elements
    where shipment_id = ?
    order by received_date desc, submission_id, element_seq, source_row
"""


def _number(value: float | None, digits: str = ",.3f") -> str:
    return "" if value is None else format(value, digits)


def print_shipment(home: Home, shipment_id: str, console: Console) -> bool:
    """Print each element of a shipment (current submission first, then superseded ones).

    The elements' WTW and TTW kgCO2e sum to the shipment's footprint; per TEU and per TEU-km
    intensities follow. Returns False when the shipment is unknown.
    """
    if not home.duckdb.exists():
        console.print(f"no warehouse at {home.duckdb}: run `pcf run` first")
        return False
    with connect(home.root, read_only=True) as connection:
        if not table_exists(connection, "intermediate", "int_shipment_elements"):
            console.print("no shipments computed yet: run `pcf run` first")
            return False
        rows = connection.execute(_ELEMENTS_SQL, [shipment_id]).fetchall()
    if not rows:
        console.print(f"no shipment {shipment_id!r} received (shipment_id as written in the shipment file)")
        return False
    submissions: dict[str, list[tuple]] = {}
    for row in rows:
        submissions.setdefault(row[0], []).append(row)
    for submission_id, elements in submissions.items():
        first = elements[0]
        received_date, is_current = first[1], first[2]
        shipper, container, teu, cargo = first[21], first[22], first[23], first[24]
        accepted = all(e[18] == "accepted" for e in elements)
        status = ("accepted" if accepted else "quarantined") if is_current else "superseded"
        console.print(
            f"\n[bold]{shipment_id}[/] container {container} ({teu} TEU, {_number(cargo, 'g')} t cargo), "
            f"shipper {shipper} — file {submission_id} received {received_date} — {status}"
        )
        table = Table()
        for column in ("seq", "element", "from", "to", "km", "departs", "method", "activity", "factor (wtw / ttw)",
                       "WTW kgCO2e", "TTW kgCO2e", "status"):
            table.add_column(column, justify="right" if column in ("seq", "km", "activity", "WTW kgCO2e", "TTW kgCO2e") else "left")
        for e in elements:
            (_, _, _, seq, element_type, kind, origin, destination, distance, departs, method, amount, unit,
             code, wtw_factor, ttw_factor, wtw, ttw, row_status, codes, blocked, *_rest) = e
            note = row_status
            if codes:
                note += ": " + ", ".join(codes)
            elif blocked:
                note += ": SHIPMENT_HAS_REJECTED_ROWS"
            factors = f"{wtw_factor} / {ttw_factor}" if wtw_factor or ttw_factor else (code or "")
            table.add_row(
                "" if seq is None else str(seq), f"{element_type} {kind or ''}".strip(), origin or "",
                destination or "", _number(distance, ",.1f"), str(departs or ""),
                (method or "").replace("_", " "), f"{_number(amount, ',.6g')} {unit or ''}".strip(),
                factors, _number(wtw), _number(ttw), note,
            )
        if accepted:
            wtw_total = sum(e[16] for e in elements)
            ttw_total = sum(e[17] for e in elements)
            teukm = sum(e[25] or 0.0 for e in elements)
            table.add_row("", "total", "", "", "", "", "", "", "", _number(wtw_total), _number(ttw_total), "")
            console.print(table)
            per_teukm = (
                f"; per TEU-km {wtw_total / teukm:.6g} WTW, {ttw_total / teukm:.6g} TTW ({teukm:,.1f} TEU-km)"
                if teukm > 0 else ""
            )
            console.print(
                f"per TEU: {wtw_total / teu:,.6g} kgCO2e WTW, {ttw_total / teu:,.6g} kgCO2e TTW{per_teukm}"
            )
        else:
            console.print(table)
            console.print("not computed: the shipment has rejected rows (see its feedback report)")
    return True
