"""Sending each sector its workbook by email.

``config`` (settings), ``template`` (subject and body), ``compose`` (pure: plan and build
messages), ``sendlog`` (the send log), ``smtp`` (the only network edge) and ``run``
(orchestration: drafts or sending, used by the CLI and the Excel add-in).
"""
