"""The one registry of user commands.

Every front end is generated from or checked against this table: the CLI builds its
sub-commands from it, the xlwings Server registers one script per ribbon command, the
Office add-in manifest and the classic VBA ribbon (``macros/``) must list exactly the
ribbon commands (a test checks it). A command is defined here once; its behaviour is one
use case (``xl_albero.usecases``: ``(source, options) -> result``), and each front end
has a thin renderer of that result named by dotted path (imported lazily, so the CLI
never imports xlwings and vice versa). How to add a command: docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import dataclasses
import importlib
import typing
from collections.abc import Callable, Mapping
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
        cli_entry: the CLI renderer, ``module:function`` taking ``(args, ui)`` and
            returning an exit code.
        excel_entry: the Excel renderer, ``module:function`` taking ``(book, **options)``
            (both add-ins); ``None`` if CLI-only.
        usecase: the use case, ``module:function`` taking ``(source, options)`` and
            returning a result dataclass; its options dataclass has fields named as
            (some of) ``options`` (``usecase_options`` builds it). ``None`` for commands
            that are not about a tree (``server``).
        read_ahead: whether the CLI may start reading the tree file while the command's
            modules load (``io.file_source.prefetch``); off for a command that starts
            worker processes before it reads the tree (a fork must not copy a reading
            thread).
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
    usecase: str | None = None
    read_ahead: bool = True


FILE = Option("file", ("file",), "Cartella di lavoro (.xlsx/.xlsm) con l'albero", kind="path")
OUTPUT = Option("output", ("-o", "--output"), "File .xlsx da scrivere (.xlsx aggiunto se manca)",
                kind="path", required=True, suffix=".xlsx")
OVERWRITE = Option("sovrascrivi", ("--sovrascrivi",), "Sovrascrive il file di uscita se esiste",
                   kind="flag", default=False)
FORCE = Option("forza", ("--forza",), "Procede anche se l'albero ha errori", kind="flag",
               default=False, excel=True)
SCHEMA = Option("schema", ("--schema",), "File di schema pandera (YAML) al posto di quello "
                "predefinito", kind="path")
SHEET = Option("foglio", ("--foglio",), "Nome del foglio dell'albero (se non lo trova da solo)",
               metavar="NOME")
JSON = Option("json", ("--json",), "Stampa il risultato in JSON", kind="flag", default=False)
RULES = Option("regole", ("--regole",), "File delle regole di misurazione (YAML) al posto di "
               "quello predefinito", kind="path")
ROUND_MEASURED = Option("rilevazione", ("--rilevazione",), "Rilevazione da misurare (senza: "
                        "l'ultima con valori)", choices=("30/06", "31/12"))

COMMANDS: tuple[Command, ...] = (
    Command(
        name="valida", cli="valida", label="Valida",
        tooltip="Controlla l'albero ed elenca ogni rilievo con la cella da correggere",
        icon="valida", ribbon=True,
        options=(FILE, SHEET, SCHEMA,
                 JSON,
                 Option("report", ("-o", "--report"), "Scrive i rilievi in una cartella di "
                        "lavoro .xlsx, con il collegamento a ogni cella da correggere",
                        kind="path", suffix=".xlsx"),
                 OVERWRITE),
        cli_entry="xl_albero.app.valida:run",
        usecase="xl_albero.usecases.valida:valida",
        excel_entry="xl_albero.excel.valida:run",
    ),
    Command(
        name="importa", cli="importa", label="Importa",
        tooltip="Converte l'albero copiato dal PDF approvato (celle unite, intestazioni del PDF) "
                "nel formato del programma, una riga per obiettivo operativo",
        icon="importa", ribbon=False,
        options=(FILE, OUTPUT, SHEET, OVERWRITE),
        cli_entry="xl_albero.app.importa:run",
        usecase="xl_albero.usecases.importa:importa",
    ),
    Command(
        name="settori", cli="settori", label="Fogli per settore",
        tooltip="Crea un foglio per ogni settore con i suoi obiettivi",
        icon="settori", ribbon=True,
        options=(FILE, OUTPUT, SHEET, SCHEMA, OVERWRITE, FORCE),
        cli_entry="xl_albero.app.settori:run",
        usecase="xl_albero.usecases.sectors:sectors",
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
        usecase="xl_albero.usecases.sectors:sectors",
    ),
    Command(
        name="riepilogo", cli="riepilogo", label="Riepilogo",
        tooltip="Scrive il riepilogo per la Giunta: obiettivi per area e settore, per obiettivo "
                "strategico e pluriennale, settori coinvolti, pesi, stato e avanzamento (se "
                "compilati) e un grafico; l'albero completo resta in un foglio nascosto",
        icon="riepilogo", ribbon=True,
        options=(FILE, OUTPUT, SHEET, SCHEMA, OVERWRITE, FORCE),
        cli_entry="xl_albero.app.riepilogo:run",
        usecase="xl_albero.usecases.riepilogo:riepilogo",
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
        usecase="xl_albero.usecases.nuovo_ciclo:nuovo_ciclo",
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
        usecase="xl_albero.usecases.invia:invia",
    ),
    Command(
        name="raccogli", cli="raccogli", label="Raccogli dai settori",
        tooltip="Riunisce all'albero i valori di monitoraggio delle cartelle compilate dai "
                "settori",
        icon="raccogli", ribbon=True,
        options=(FILE,
                 Option("cartelle", ("cartelle",), "Cartelle di lavoro restituite dai settori, "
                        "o le cartelle del disco che le contengono", kind="path", many=True,
                        excel=True),
                 OUTPUT,
                 Option("rilevazione", ("--rilevazione",), "Rilevazione a cui appartengono i "
                        "valori raccolti", required=True, choices=("30/06", "31/12"),
                        excel=True),
                 JSON,
                 SHEET, SCHEMA, OVERWRITE, FORCE),
        cli_entry="xl_albero.app.raccogli:run",
        excel_entry="xl_albero.excel.raccogli:run",
        usecase="xl_albero.usecases.raccogli:raccogli",
        read_ahead=False,  # its returned workbooks are read in forked worker processes
    ),
    Command(
        name="misura", cli="misura", label="Misura",
        tooltip="Calcola il grado di raggiungimento di ogni obiettivo, area e settore",
        icon="misura", ribbon=False,
        options=(FILE, SHEET,
                 RULES,
                 ROUND_MEASURED,
                 JSON,
                 SCHEMA, FORCE),
        cli_entry="xl_albero.app.misura:run",
        usecase="xl_albero.usecases.misura:misura",
    ),
    Command(
        name="relazione", cli="relazione", label="Relazione",
        tooltip="Scrive la Relazione sulla performance (Word) dall'albero misurato",
        icon="relazione", ribbon=True,
        options=(FILE,
                 Option("output", ("-o", "--output"), "File .docx da scrivere (.docx aggiunto "
                        "se manca)", kind="path", required=True, suffix=".docx"),
                 Option("comune", ("--comune",), "Nome del comune per il frontespizio (es. "
                        "Comune di Esempio)", excel=True),
                 Option("modello", ("--modello",), "Modello Word (.docx) del comune al posto "
                        "di quello predefinito", kind="path"),
                 RULES,
                 ROUND_MEASURED,
                 SHEET, SCHEMA, OVERWRITE, FORCE),
        cli_entry="xl_albero.app.relazione:run",
        excel_entry="xl_albero.excel.relazione:run",
        usecase="xl_albero.usecases.relazione:relazione",
    ),
    Command(
        name="server", cli="server", label="Server del componente aggiuntivo",
        tooltip="Avvia il server xlwings del componente aggiuntivo di Excel",
        icon="server", ribbon=False,
        options=(Option("host", ("--host",), "Indirizzo su cui ascoltare", default="127.0.0.1",
                        metavar="INDIRIZZO"),
                 Option("port", ("--port",), "Porta su cui ascoltare", kind="int", default=8000,
                        metavar="PORTA")),
        cli_entry="xl_albero.app.server:run",
    ),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def excel_options(cmd: Command) -> tuple[Option, ...]:
    """Options offered in Excel (task pane), in registry order: the script's arguments."""
    return tuple(o for o in cmd.options if o.excel)


def ribbon_commands() -> tuple[Command, ...]:
    """Commands with a ribbon button, in ribbon order."""
    return tuple(c for c in COMMANDS if c.ribbon)


def resolve(entry: str) -> Callable[..., Any]:
    """Import ``module:function`` lazily."""
    module, _, func = entry.partition(":")
    return getattr(importlib.import_module(module), func)


def options_type(cmd: Command) -> type:
    """The options dataclass of the command's use case (its ``options`` parameter)."""
    if cmd.usecase is None:
        raise LookupError(f"{cmd.name} has no use case")
    hints = typing.get_type_hints(resolve(cmd.usecase))
    return hints["options"]


def usecase_options(cmd: Command, values: Mapping[str, Any] | object) -> Any:
    """The use case's options built from front-end values: a mapping (Excel keyword
    arguments) or an object with attributes (the CLI's ``argparse.Namespace``). Values
    the use case does not take (output file, ``--json``...) are left to the renderer."""
    cls = options_type(cmd)
    get = values.get if isinstance(values, Mapping) else (
        lambda k, d=None: getattr(values, k, d))
    kwargs = {}
    for f in dataclasses.fields(cls):
        v = get(f.name, dataclasses.MISSING)
        if v is not dataclasses.MISSING:
            kwargs[f.name] = v
    return cls(**kwargs)


def run_usecase(cmd: Command, source: Any, values: Mapping[str, Any] | object) -> Any:
    """Run the command's use case on ``source`` with options taken from ``values``."""
    if cmd.usecase is None:
        raise LookupError(f"{cmd.name} has no use case")
    return resolve(cmd.usecase)(source, usecase_options(cmd, values))


def control_hint(option: str | tuple[str, ...] | None, cmd: Command, *, excel: bool) -> str:
    """How a front end names the controls for ``option`` (the registry option name(s) an
    ``AlberoError`` carries): ``--forza`` in the CLI, the task-pane label in Excel;
    ``""`` when the front end has no such control for this command."""
    names = (option,) if isinstance(option, str) else tuple(option or ())
    opts = [o for n in names for o in cmd.options if o.name == n]
    if excel:
        labels = [f"«{o.help}»" for o in opts if o.excel]
        return f"nel pannello: {' o '.join(labels)}" if labels else ""
    flags = [o.flags[-1] for o in opts if o.flags[0].startswith("-")]
    if not flags:
        return ""
    return f"{'opzione' if len(flags) == 1 else 'opzioni'} {' o '.join(flags)}"


def with_hint(message: str, hint: str) -> str:
    """``message`` followed by the control naming sentence, when there is one."""
    if not hint:
        return message
    return f"{message[:-1]} ({hint})." if message.endswith(".") else f"{message} ({hint})"
