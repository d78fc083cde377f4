"""The ribbon tab, the task pane options and the icons, derived from the registry (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from xl_albero.commands import Option, excel_options, ribbon_commands

TAB_LABEL = "Albero Performance"
GROUP_LABEL = "Albero della Performance"
TASKPANE_LABEL = "Pannello"
TASKPANE_TOOLTIP = ("Apre il pannello con i rilievi dell'ultima validazione (clic per andare "
                    "alla cella) e le opzioni di Nuovo ciclo e Invia ai settori")
TASKPANE_ICON = "pannello"
ICON_SIZES: tuple[int, ...] = (16, 32, 64, 80)
RIBBON_SIZES: tuple[int, ...] = (16, 32, 80)


@dataclass(frozen=True)
class Button:
    """A ribbon button bound to a script (``Office.actions.associate(function, ...)``)."""

    script: str
    function: str
    label: str
    tooltip: str
    icon: str
    options: tuple[Option, ...]


def buttons() -> tuple[Button, ...]:
    return tuple(Button(script=c.name, function=f"albero-{c.name}", label=c.label,
                        tooltip=c.tooltip, icon=c.icon, options=excel_options(c))
                 for c in ribbon_commands())


def icon_names() -> tuple[str, ...]:
    return tuple(b.icon for b in buttons()) + (TASKPANE_ICON,)


def client_config() -> dict:
    """JSON given to the task pane and ribbon JavaScript."""
    return {
        "buttons": [
            {"script": b.script, "function": b.function, "label": b.label,
             "options": [{"name": o.name, "kind": o.kind, "help": o.help,
                          "required": o.required, "default": o.default, "many": o.many,
                          "choices": list(o.choices)} for o in b.options]}
            for b in buttons()
        ],
    }
