"""``albero relazione FILE -o relazione_2025.docx``: the Relazione sulla performance in Word."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from xl_albero.app.sector_common import show_notices
from xl_albero.app.ui import Ui
from xl_albero.errors import OutputError
from xl_albero.io.atomic import check_output
from xl_albero.io.file_source import FileSource
from xl_albero.io.relazione_docx import check_template, write_relazione
from xl_albero.usecases.relazione import RelazioneOptions, relazione


def docx_output(output: str) -> str:
    """The output name with ``.docx`` added when it has no extension; other ones refused."""
    path = Path(output)
    if not path.suffix:
        return f"{output}.docx"
    if path.suffix.lower() != ".docx":
        raise OutputError(f"Il file di uscita «{output}» deve essere un documento di Word "
                          f"(.docx), non «{path.suffix}». Indicare per esempio "
                          f"«{path.with_suffix('.docx').name}».")
    return output


def run(args: Namespace, ui: Ui) -> int:
    out = check_output(docx_output(str(args.output)), sources=(args.file,),
                       overwrite=args.sovrascrivi)
    template = check_template(args.modello)  # a bad template is refused before reading
    with FileSource(args.file) as source:
        result = relazione(source, RelazioneOptions(
            foglio=args.foglio, schema=args.schema, forza=args.forza, regole=args.regole,
            rilevazione=args.rilevazione, comune=args.comune))
    show_notices(result.notices, ui)
    write_relazione(result.data, result.charts, out, template)
    data = result.data
    ui.out(f"Scritta la relazione sulla performance {data['anno']} in «{out}»: grado "
           f"complessivo {data['complessivo']}, {data['n_obiettivi']} obiettivi operativi "
           f"({data['n_rilevati']} rilevati, {data['n_non_raggiunti']} non raggiunti), "
           f"{len(data['aree'])} aree, {len(data['settori'])} settori.")
    ui.out("Da completare a cura dell'ufficio le parti segnate «[DA COMPILARE A CURA "
           "DELL'UFFICIO]» (contesto, risorse, bilancio di genere, approvazione); l'indice "
           "si aggiorna all'apertura in Word.")
    return 0
