"""xl-albero: the Albero della Performance (PIAO / PEG) of an Italian comune, in Excel.

The package is a functional core (pure functions on pandas DataFrames and small typed
models) wrapped by thin adapters: files (``xl_albero.io``), the command line
(``xl_albero.cli``), Excel through xlwings (``xl_albero.excel``), SMTP (``xl_albero.mail``).
"""

__version__ = "0.1.0"
