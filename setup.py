"""Ship the top-level ``schemas/`` folder inside the wheel as ``xl_albero/schemas``.

The schemas stay where the finance office finds them (``schemas/`` at the top of the
project); the installed package reads them with ``importlib.resources``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithSchemas(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "xl_albero" / "schemas"
        target.mkdir(parents=True, exist_ok=True)
        (target / "__init__.py").write_text("", encoding="utf-8")
        for src in sorted(Path(__file__).parent.joinpath("schemas").glob("*.yaml")):
            (target / src.name).write_bytes(src.read_bytes())


setup(cmdclass={"build_py": BuildWithSchemas})
