"""Avvisi on the Settori sheet before anything is sent: a sector that will receive
objectives but has no Email or no Dirigente, or whose Email / Dirigente cannot go into
a mail safely (same rules as ``invia``: ``xl_albero.addresses``)."""

from __future__ import annotations

from xl_albero import columns as C
from xl_albero import findings as F
from xl_albero.addresses import header_problem, parse_recipients
from xl_albero.model import Tree, col_letter, is_blank, split_sectors
from xl_albero.sector_registry import normalize_name, tree_sector_names
from xl_albero.validation.messages import make
from xl_albero.validation.schema import load_messages


def _receiving(tree: Tree) -> set[str] | None:
    """Names of the sectors that get objectives; ``None`` means every sector (TUTTI)."""
    if C.COINVOLTI in tree.data:
        for v in tree.data[C.COINVOLTI].dropna().unique():
            if C.TUTTI in split_sectors(v):
                return None
    return set(tree_sector_names(tree.data))


def contact_findings(tree: Tree) -> list[F.Finding]:
    """One avviso per problem, at the registry cell (only with a declared Settori sheet)."""
    reg = tree.sectors
    if not tree.registry_declared or C.SETTORE not in reg or not len(reg):
        return []
    receiving = _receiving(tree)
    cat = load_messages()
    sheet = tree.registry_sheet
    columns = list(reg.columns)
    out: list[F.Finding] = []
    missing_column = {c for c in (C.EMAIL, C.DIRIGENTE) if c not in reg or reg[c].map(
        is_blank).all()}
    for c in sorted(missing_column):
        out.append(make("SETTORI_SENZA_CONTATTI", sheet=sheet, row=None, column=c, cell="",
                        catalogue=cat))
    for pos, rec in enumerate(reg.to_dict("records")):
        name = rec.get(C.SETTORE)
        if is_blank(name) or (receiving is not None
                              and normalize_name(str(name)) not in receiving):
            continue
        row = tree.registry_rows[pos] if pos < len(tree.registry_rows) else None

        def at(column: str, row: int | None = row) -> str:
            return f"{col_letter(columns.index(column))}{row}" if row else ""

        email, boss = rec.get(C.EMAIL), rec.get(C.DIRIGENTE)
        if C.EMAIL not in missing_column:
            if is_blank(email):
                out.append(make("SETTORE_SENZA_EMAIL", sheet=sheet, row=row, column=C.EMAIL,
                                cell=at(C.EMAIL), catalogue=cat, valore=name))
            else:
                _addrs, why = parse_recipients(str(email))
                if why:
                    out.append(make("EMAIL_NON_UTILIZZABILE", sheet=sheet, row=row,
                                    column=C.EMAIL, cell=at(C.EMAIL), catalogue=cat,
                                    valore=name,
                                    dettaglio=why.removeprefix("indirizzo rifiutato: ")))
        if C.DIRIGENTE not in missing_column:
            if is_blank(boss):
                out.append(make("SETTORE_SENZA_DIRIGENTE", sheet=sheet, row=row,
                                column=C.DIRIGENTE, cell=at(C.DIRIGENTE), catalogue=cat,
                                valore=name))
            else:
                why = header_problem(str(boss).strip(), display_name=True)
                if why:
                    out.append(make("DIRIGENTE_NON_UTILIZZABILE", sheet=sheet, row=row,
                                    column=C.DIRIGENTE, cell=at(C.DIRIGENTE), catalogue=cat,
                                    valore=name, dettaglio=why))
    return out
