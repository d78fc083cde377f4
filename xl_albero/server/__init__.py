"""The Excel add-in served by xlwings Server (Office.js: Excel on Windows, Mac, web).

``settings`` (pure) turns the environment and ``[tool.xl_albero.server]`` of
``pyproject.toml`` into the ``XLWINGS_*`` variables xlwings Server reads; ``ribbon``
(pure) builds the ribbon and task pane description from the command registry; ``app``
imports xlwings Server (PRO parts, PolyForm Noncommercial) and is only imported by
``albero server``. The xlwings Server project (scripts, functions, templates, static
files) lives in ``project/``.
"""
