"""The one registry of user commands.

Every front end is generated from or checked against this table: the CLI builds its
sub-commands from it, the xlwings Server registers one script per ribbon command, the
Office add-in manifest and the classic VBA ribbon (``macros/``) must list exactly the
ribbon commands (a test checks it). A command is defined here once; its behaviour lives
in the functional core, and each front end has a thin adapter named by dotted path
(imported lazily, so the CLI never imports xlwings and vice versa).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    """A command option. ``name`` is the Python identifier; ``flags`` the CLI spelling."""

    name: str
    flags: tuple[str, ...]
    help: str
    kind: str = "str"  # "str" | "int" | "path" | "flag"
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    excel: bool = False  # offered in the task pane / Excel dialog too
    metavar: str = ""  # CLI placeholder of the value (Italian); derived from kind if empty
    suffix: str = ""  # a file output: this extension is added when the name has none
    many: bool = False  # a positional argument taking one or more values


@dataclass(frozen=True)
class Command:
    """A user command, shared by every front end.

    Attributes:
        name: identifier used by scripts and VBA (``nuovo_ciclo``).
        cli: CLI sub-command (``nuovo-ciclo``).
        label: Italian ribbon / menu label.
        tooltip: Italian one-line description (CLI help, ribbon tooltip).
        icon: icon base name (``macros/`` and the server's static icons).
        ribbon: whether the command has a ribbon button.
        options: command options (CLI flags; ``excel=True`` ones in the task pane).
        cli_entry: ``module:function`` taking ``(args, ui)`` and returning an exit code.
        excel_entry: ``module:function`` taking ``(book, **options)``; ``None`` if CLI-only.
    """

    name: str
    cli: str
    label: str
    tooltip: str
    icon: str
    ribbon: bool
    options: tuple[Option, ...]
    cli_entry: str
    excel_entry: str | None = None


FILE = Option("file", ("file",), "Cartella di lavoro (.xlsx/.xlsm) con l'albero", kind="path")
OUTPUT = Option("output", ("-o", "--output"), "File .xlsx da scrivere (.xlsx aggiunto se manca)",
                kind="path", required=True, suffix=".xlsx")
OVERWRITE = Option("sovrascrivi", ("--sovrascrivi",), "Sovrascrive il file di uscita se esiste",
                   kind="flag", default=False)
FORCE = Option("forza", ("--forza",), "Procede anche se l'albero ha errori", kind="flag",
               default=False)
SCHEMA = Option("schema", ("--schema",), "File di schema pandera (YAML) al posto di quello "
                "predefinito", kind="path")
SHEET = Option("foglio", ("--foglio",), "Nome del foglio dell'albero (se non lo trova da solo)",
               metavar="NOME")

COMMANDS: tuple[Command, ...] = (
    Command(
        name="valida", cli="valida", label="Valida",
        tooltip="Controlla l'albero ed elenca ogni rilievo con la cella da correggere",
        icon="valida", ribbon=True,
        options=(FILE, SHEET, SCHEMA,
                 Option("json", ("--json",), "Stampa il risultato in JSON", kind="flag",
                        default=False),
                 Option("report", ("-o", "--report"), "Scrive i rilievi in una cartella di "
                        "lavoro .xlsx, con il collegamento a ogni cella da correggere",
                        kind="path", suffix=".xlsx"),
                 OVERWRITE),
        cli_entry="xl_albero.app.valida:run",
        excel_entry="xl_albero.excel.valida:run",
    ),
    Command(
        name="importa", cli="importa", label="Importa",
        tooltip="Converte un albero nel formato del PDF approvato nella cartella canonica",
        icon="importa", ribbon=False,
        options=(FILE, OUTPUT, SHEET, OVERWRITE),
        cli_entry="xl_albero.app.importa:run",
    ),
    Command(
        name="settori", cli="settori", label="Fogli per settore",
        tooltip="Crea un foglio per ogni settore con i suoi obiettivi",
        icon="settori", ribbon=True,
        options=(FILE, OUTPUT, SHEET, SCHEMA, OVERWRITE, FORCE),
        cli_entry="xl_albero.app.settori:run",
        excel_entry="xl_albero.excel.settori:run",
    ),
    Command(
        name="esporta", cli="esporta", label="Cartelle per settore",
        tooltip="Scrive una cartella di lavoro per ogni settore, da inviare al dirigente",
        icon="esporta", ribbon=False,
        options=(FILE,
                 Option("cartella", ("-o", "--cartella", "--output"),
                        "Cartella in cui scrivere i file (creata se non esiste)",
                        kind="path", required=True, metavar="CARTELLA"),
                 SHEET, SCHEMA, OVERWRITE, FORCE),
        cli_entry="xl_albero.app.esporta:run",
    ),
    Command(
        name="riepilogo", cli="riepilogo", label="Riepilogo",
        tooltip="Scrive il riepilogo per la Giunta: obiettivi per area e settore, per obiettivo "
                "strategico e pluriennale, settori coinvolti, pesi, stato e avanzamento (se "
                "compilati) e un grafico; l'albero completo resta in un foglio nascosto",
        icon="riepilogo", ribbon=True,
        options=(FILE, OUTPUT, SHEET, SCHEMA, OVERWRITE, FORCE),
        cli_entry="xl_albero.app.riepilogo:run",
        excel_entry="xl_albero.excel.riepilogo:run",
    ),
    Command(
        name="nuovo_ciclo", cli="nuovo-ciclo", label="Nuovo ciclo",
        tooltip="Prepara il piano dell'anno successivo mantenendo gli obiettivi pluriennali",
        icon="nuovo_ciclo", ribbon=True,
        options=(FILE,
                 Option("anno", ("--anno",), "Anno del nuovo piano", kind="int",
                        required=True, excel=True),
                 OUTPUT,
                 Option("estendi_periodo", ("--estendi-periodo",),
                        "Nuovo periodo (es. 2026-2028) per gli obiettivi pluriennali scaduti",
                        excel=True, metavar="PERIODO"),
                 SHEET, SCHEMA, OVERWRITE),
        cli_entry="xl_albero.app.nuovo_ciclo:run",
        excel_entry="xl_albero.excel.nuovo_ciclo:run",
    ),
    Command(
        name="invia", cli="invia", label="Invia ai settori",
        tooltip="Invia a ogni dirigente la cartella del suo settore (o ne prepara le bozze)",
        icon="invia", ribbon=True,
        options=(FILE,
                 Option("invia", ("--invia",), "Invia davvero via SMTP (senza: solo bozze .eml)",
                        kind="flag", default=False, excel=True),
                 Option("riprendi", ("--riprendi",), "Invia solo ciò che non è ancora partito",
                        kind="flag", default=False, excel=True),
                 Option("cartella", ("-o", "--cartella", "--output"),
                        "Cartella per bozze, allegati e registro", kind="path",
                        metavar="CARTELLA"),
                 Option("configurazione", ("--configurazione",),
                        "File di impostazioni per l'invio scelto da chi lancia il comando "
                        "(anche server, porta e sicurezza)", kind="path"),
                 SHEET, SCHEMA, OVERWRITE, FORCE),
        cli_entry="xl_albero.app.invia:run",
        excel_entry="xl_albero.excel.invia:run",
    ),
    Command(
        name="raccogli", cli="raccogli", label="Raccogli dai settori",
        tooltip="Riunisce all'albero i valori di monitoraggio delle cartelle compilate dai "
                "settori",
        icon="raccogli", ribbon=False,
        options=(FILE,
                 Option("cartelle", ("cartelle",), "Cartelle di lavoro restituite dai settori, "
                        "o le cartelle del disco che le contengono", kind="path", many=True),
                 OUTPUT,
                 Option("rilevazione", ("--rilevazione",), "Rilevazione a cui appartengono i "
                        "valori raccolti", required=True, choices=("30/06", "31/12"),
                        excel=True),
                 Option("json", ("--json",), "Stampa il risultato in JSON", kind="flag",
                        default=False),
                 SHEET, SCHEMA, OVERWRITE, FORCE),
        cli_entry="xl_albero.app.raccogli:run",
    ),
    Command(
        name="misura", cli="misura", label="Misura",
        tooltip="Calcola il grado di raggiungimento di ogni obiettivo, area e settore",
        icon="misura", ribbon=False,
        options=(FILE, SHEET,
                 Option("regole", ("--regole",), "File delle regole di misurazione (YAML) al "
                        "posto di quello predefinito", kind="path"),
                 Option("rilevazione", ("--rilevazione",), "Rilevazione da misurare (senza: "
                        "l'ultima con valori)", choices=("30/06", "31/12")),
                 Option("json", ("--json",), "Stampa il risultato in JSON", kind="flag",
                        default=False),
                 SCHEMA, FORCE),
        cli_entry="xl_albero.app.misura:run",
    ),
    Command(
        name="server", cli="server", label="Server del componente aggiuntivo",
        tooltip="Avvia il server xlwings del componente aggiuntivo di Excel",
        icon="server", ribbon=False,
        options=(Option("host", ("--host",), "Indirizzo su cui ascoltare", default="127.0.0.1",
                        metavar="INDIRIZZO"),
                 Option("port", ("--port",), "Porta", kind="int", default=8000,
                        metavar="PORTA")),
        cli_entry="xl_albero.app.server:run",
    ),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def ribbon_commands() -> tuple[Command, ...]:
    """Commands with a ribbon button, in ribbon order."""
    return tuple(c for c in COMMANDS if c.ribbon)


def resolve(entry: str) -> Callable[..., Any]:
    """Import ``module:function`` lazily."""
    module, _, func = entry.partition(":")
    return getattr(importlib.import_module(module), func)
