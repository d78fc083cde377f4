"""Small in-memory trees for the rollover tests (canonical columns)."""

from __future__ import annotations

import pandas as pd

from xl_albero import columns as C
from xl_albero.model import Tree

SECTORS = pd.DataFrame({
    C.SETTORE: ["TECNICO ED INNOVAZIONE", "SERVIZI ALLA PERSONA", "SEGRETARIO GENERALE"],
    C.SIGLA: ["TEC", "SAP", "SEG"],
    C.DIRIGENTE: ["Mario Rossi", "Anna Bianchi", "Luca Verdi"],
    C.EMAIL: ["tec@example.org", "sap@example.org", "seg@example.org"],
})

A1 = "PRENDIAMOCI CURA INSIEME DI UNA BELLA CITTÀ"
S1 = "L'attenzione all'ambiente con stili di vita e spazi della città che ci fanno felici"
P1 = ("Migliorare la vivibilità degli spazi pubblici: azioni da porre in essere nel "
      "biennio 2024/2025")
P2 = "Valorizzazione e aggiornamento partecipato del Piano di Governo del Territorio"
A2 = "UNA CITTÀ PER TUTTE LE GENERAZIONI"
S2 = "Sostenere le famiglie"
P3 = "Accompagnare i genitori"
P4 = "Promuovere lo sport in città"


def sample_rows(with_status: bool = True) -> list[dict]:
    rows = [
        ("1.1.1.1", A1, S1, P1, "2024-2025", "Progetto dehor, progetto biennale - fase 2",
         "TECNICO ED INNOVAZIONE", "", "In corso", 50, "Rilasciate 10 concessioni"),
        ("1.1.1.2", A1, S1, P1, "2024-2025", "Riqualificazione isole ecologiche plessi scolastici",
         "TECNICO ED INNOVAZIONE", "", "Concluso", 100, "Fatto"),
        ("1.1.2.1", A1, S1, P2, "2025-2027", "Redazione della variante generale del PGT",
         "TECNICO ED INNOVAZIONE", "SEGRETARIO GENERALE", "Da avviare", None, None),
        ("2.1.1.1", A2, S2, P3, "2025", "ESSERE GENITORI NEL 2025",
         "SERVIZI ALLA PERSONA", "", "Annullato", 0, None),
        ("2.1.2.1", A2, S2, P4, "2024/2026",
         "Cernusco 2025 - Capitale Europea dello Sport", "SERVIZI ALLA PERSONA", "TUTTI",
         "Sospeso", 30, "In attesa"),
    ]
    out = []
    for code, a, s, p, per, op, resp, inv, stato, av, ris in rows:
        row = {C.CODICE: code, C.ANNO: 2025, C.AREA: a, C.STRATEGICO: s, C.PLURIENNALE: p,
               C.PERIODO: per, C.OPERATIVO: op, C.RESPONSABILE: resp, C.COINVOLTI: inv or None}
        row[C.INDICATORE] = "n. atti"
        row[C.TARGET] = "100%"
        if with_status:
            row[C.STATO] = stato
        row[C.AVANZAMENTO] = av
        row["Target 2026"] = "120%"
        row["Note interne"] = f"nota {code}"
        row["Risultato raggiunto"] = ris
        out.append(row)
    return out


def sample_tree(with_status: bool = True) -> Tree:
    return Tree(data=pd.DataFrame(sample_rows(with_status)), sectors=SECTORS.copy())
