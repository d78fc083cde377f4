"""Sending the sector mails: one SMTP session for the whole run (``mail.campaign.send_all``, with
the send log fsynced per sector) next to the naive way (a new smtplib connection, STARTTLS
and login for every message, no log), both to a real aiosmtpd server on 127.0.0.1 with
STARTTLS + AUTH and a certificate generated on the spot.

    /work/venv/bin/python benchmarks/bench_mail.py [--sectors 30] [--kb 120] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import smtplib
import ssl
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import median_time, report  # noqa: E402
from tests.mail_helpers import (  # noqa: E402
    PASSWORD,
    USER,
    SmtpServer,
    make_certificate,
    write_workbook,
)
from xl_albero.io.sector_workbook import ExportedWorkbook  # noqa: E402
from xl_albero.mail import campaign as R  # noqa: E402
from xl_albero.mail.config import load_settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sectors", type=int, default=30)
    ap.add_argument("--kb", type=int, default=120, help="approximate attachment size")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    try:
        cert = make_certificate(tmp)
        exports = []
        for i in range(a.sectors):
            path = write_workbook(tmp / f"S{i:03d}_2025.xlsx", f"SETTORE {i}",
                                  padding=max(a.kb * 1024 // 150, 1))
            exports.append(ExportedWorkbook(f"SETTORE {i}", f"S{i:03d}", f"Dirigente {i}",
                                      f"dirigente{i}@comune.example.it", path, 3, 1))
        size_kb = sum(e.path.stat().st_size for e in exports) / len(exports) / 1024
        with SmtpServer(starttls_cert=cert, auth=True) as server:
            env = {"ALBERO_SMTP_HOST": "127.0.0.1", "ALBERO_SMTP_PORT": str(server.port),
                   "ALBERO_SMTP_SECURITY": "starttls", "ALBERO_SMTP_CA": str(cert[0]),
                   "ALBERO_SMTP_USER": USER, "ALBERO_SMTP_PASSWORD": PASSWORD,
                   "ALBERO_MITTENTE": "performance@comune.example.it"}
            settings = load_settings(env, search_dirs=())
            runs = iter(range(10**6))

            def ours() -> None:
                folder = tmp / f"run{next(runs)}"
                plan = R.prepare(exports, settings, 2025)
                result = R.send_all(plan, settings, folder)
                assert result.counts == {R.INVIATO: len(exports)}

            def naive() -> None:
                ctx = ssl.create_default_context(cafile=str(cert[0]))
                for e in exports:
                    msg = EmailMessage()
                    msg["From"], msg["To"] = settings.sender, e.email
                    msg["Subject"] = f"Obiettivi 2025 - {e.sector}"
                    msg.set_content(f"Gentile {e.dirigente}, in allegato.")
                    msg.add_attachment(e.path.read_bytes(), maintype="application",
                                       subtype="octet-stream", filename=e.path.name)
                    with smtplib.SMTP("127.0.0.1", server.port) as s:
                        s.starttls(context=ctx)
                        _login(s)
                        s.send_message(msg)

            def _login(s: smtplib.SMTP) -> None:
                from xl_albero.mail.smtp import login

                login(s, USER, PASSWORD)  # smtplib alone cannot send the accented password

            t_ours = median_time(ours, a.repeat)
            t_naive = median_time(naive, a.repeat)
            assert len(server.received) == 2 * a.repeat * len(exports)
        print(report(f"{a.sectors} messages, attachments ~{size_kb:.0f} KB, STARTTLS + AUTH "
                     "on 127.0.0.1", t_ours, t_naive))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
