Attribute VB_Name = "AlberoRibbon"
' xl-albero - classic desktop add-in (Excel for Windows with a local Python).
'
' Ribbon callbacks of macros/customUI14.xml: one Sub per ribbon command of the registry
' (xl_albero/commands.py), named Albero_<command>. Each one calls, through xlwings
' RunPython, xl_albero.excel.desktop.run('<command>', ...), which runs the command on the
' active workbook (xw.Book.caller()) and shows Italian error messages in Excel.
' Options marked excel=True in the registry are asked here (InputBox / MsgBox), checked,
' and passed as Python keyword arguments.
'
' Requires the "xlwings" VBA module of an xlwings custom add-in (xlwings quickstart
' --addin), which provides RunPython. See macros/README.md.
'
' Encoding: this file is pure ASCII on purpose. The VBA editor imports .bas files in the
' ANSI code page of Windows (Windows-1252 in Italy), so UTF-8 accented letters would turn
' into mojibake. Accented letters are written as {e} {a} ... and converted by It() with
' ChrW(), which works whatever the code page. tests/test_vba_ribbon.py checks all this.
Option Explicit

Private Const TITOLO As String = "Albero Performance"

' --- helpers -------------------------------------------------------------------------

' Italian text with accents: {a}=a grave, {e}=e grave, {e/}=e acute, {i}, {o}, {u},
' {E}=E grave, {A}=A grave, {nl}=new line.
Private Function It(ByVal s As String) As String
    s = Replace(s, "{a}", ChrW(224))
    s = Replace(s, "{e}", ChrW(232))
    s = Replace(s, "{e/}", ChrW(233))
    s = Replace(s, "{i}", ChrW(236))
    s = Replace(s, "{o}", ChrW(242))
    s = Replace(s, "{u}", ChrW(249))
    s = Replace(s, "{E}", ChrW(200))
    s = Replace(s, "{A}", ChrW(192))
    s = Replace(s, "{nl}", vbNewLine)
    It = s
End Function

' True when a workbook is open (the commands work on the active workbook).
Private Function CartellaAperta() As Boolean
    If ActiveWorkbook Is Nothing Then
        MsgBox It("Aprire prima la cartella di lavoro con l'albero della performance."), _
               vbExclamation, TITOLO
        CartellaAperta = False
    Else
        CartellaAperta = True
    End If
End Function

' A VBA string as a Python string literal made only of \uXXXX escapes: free text typed
' by the user (a comune's name) reaches Python as data, never as code.
Private Function PyStr(ByVal s As String) As String
    Dim i As Long
    Dim out As String
    out = "'"
    For i = 1 To Len(s)
        out = out & "\u" & Right$("000" & Hex$(AscW(Mid$(s, i, 1)) And &HFFFF&), 4)
    Next i
    PyStr = out & "'"
End Function

' --- ribbon callbacks ------------------------------------------------------------------

Public Sub Albero_valida(control As IRibbonControl)
    If Not CartellaAperta() Then Exit Sub
    RunPython "import xl_albero.excel.desktop as d; d.run('valida')"
End Sub

Public Sub Albero_settori(control As IRibbonControl)
    If Not CartellaAperta() Then Exit Sub
    RunPython "import xl_albero.excel.desktop as d; d.run('settori')"
End Sub

Public Sub Albero_riepilogo(control As IRibbonControl)
    If Not CartellaAperta() Then Exit Sub
    RunPython "import xl_albero.excel.desktop as d; d.run('riepilogo')"
End Sub

Public Sub Albero_nuovo_ciclo(control As IRibbonControl)
    Dim risposta As String
    Dim periodo As String
    Dim anno As Long
    If Not CartellaAperta() Then Exit Sub

    ' anno: required, four digits; the Python side checks it follows the plan's year.
    Do
        risposta = InputBox(It("Anno del nuovo piano (per esempio " & (Year(Date) + 1) & "):"), _
                            TITOLO, CStr(Year(Date) + 1))
        If StrPtr(risposta) = 0 Then Exit Sub ' Annulla
        risposta = Trim$(risposta)
        If risposta Like "####" Then Exit Do
        MsgBox It("L'anno deve essere un numero di quattro cifre, per esempio " & _
                  (Year(Date) + 1) & "."), vbExclamation, TITOLO
    Loop
    anno = CLng(risposta)

    ' estendi_periodo: optional, like 2026-2028.
    Do
        periodo = InputBox(It("Nuovo periodo per gli obiettivi pluriennali gi{a} scaduti " & _
                              "(per esempio " & anno & "-" & (anno + 2) & ").{nl}{nl}" & _
                              "Lasciare vuoto per non estenderli: saranno segnalati da rivedere."), _
                           TITOLO, "")
        If StrPtr(periodo) = 0 Then Exit Sub ' Annulla
        periodo = Trim$(periodo)
        If periodo = "" Or periodo Like "####-####" Then Exit Do
        MsgBox It("Il periodo deve avere la forma anno-anno, per esempio " & anno & "-" & _
                  (anno + 2) & "."), vbExclamation, TITOLO
    Loop

    If periodo = "" Then
        RunPython "import xl_albero.excel.desktop as d; d.run('nuovo_ciclo', anno=" & anno & ")"
    Else
        RunPython "import xl_albero.excel.desktop as d; d.run('nuovo_ciclo', anno=" & anno & _
                  ", estendi_periodo='" & periodo & "')"
    End If
End Sub

Public Sub Albero_invia(control As IRibbonControl)
    Dim invia As String
    Dim riprendi As String
    If Not CartellaAperta() Then Exit Sub

    ' invia: send for real (SMTP) or only prepare the drafts. "No" is the default button.
    Select Case MsgBox(It("Inviare davvero a ogni dirigente la cartella del suo settore?{nl}{nl}" & _
                          "S{i}: invia le e-mail ora.{nl}" & _
                          "No: prepara solo le bozze (.eml) da controllare, senza inviare nulla.{nl}" & _
                          "Annulla: non fa nulla."), _
                       vbYesNoCancel + vbQuestion + vbDefaultButton2, TITOLO)
        Case vbYes
            invia = "True"
        Case vbNo
            invia = "False"
        Case Else
            Exit Sub
    End Select

    ' riprendi: after an interrupted sending, send only what has not left yet.
    riprendi = "False"
    If invia = "True" Then
        If MsgBox(It("{E} la ripresa di un invio interrotto?{nl}{nl}" & _
                     "S{i}: invia solo ci{o} che non {e} ancora partito.{nl}" & _
                     "No: invia tutto."), vbYesNo + vbQuestion + vbDefaultButton2, TITOLO) = vbYes Then
            riprendi = "True"
        End If
    End If

    RunPython "import xl_albero.excel.desktop as d; d.run('invia', invia=" & invia & _
              ", riprendi=" & riprendi & ")"
End Sub

Public Sub Albero_raccogli(control As IRibbonControl)
    Dim scelta As Object
    Dim rilevazione As String
    Dim lista As String
    Dim i As Long
    Dim p As String
    If Not CartellaAperta() Then Exit Sub

    ' cartelle: the workbooks returned by the sectors, chosen in a file dialog.
    Set scelta = Application.FileDialog(3) ' msoFileDialogFilePicker
    With scelta
        .Title = It("Cartelle di lavoro restituite dai settori")
        .AllowMultiSelect = True
        .Filters.Clear
        .Filters.Add "Cartelle di lavoro Excel", "*.xlsx;*.xlsm"
        If .Show <> -1 Then Exit Sub ' Annulla
        For i = 1 To .SelectedItems.Count
            p = Replace(Replace(.SelectedItems(i), "\", "\\"), "'", "\'")
            If lista <> "" Then lista = lista & ", "
            lista = lista & "'" & p & "'"
        Next i
    End With

    ' rilevazione: 30/06 or 31/12, kept apart in the tree.
    Do
        rilevazione = InputBox(It("Rilevazione a cui appartengono i valori raccolti: 30/06 " & _
                                  "(verifica di met{a} anno) o 31/12 (fine anno)."), _
                               TITOLO, IIf(Month(Date) <= 9, "30/06", "31/12"))
        If StrPtr(rilevazione) = 0 Then Exit Sub ' Annulla
        rilevazione = Trim$(rilevazione)
        If rilevazione = "30/06" Or rilevazione = "31/12" Then Exit Do
        MsgBox It("Scrivere 30/06 oppure 31/12."), vbExclamation, TITOLO
    Loop

    RunPython "import xl_albero.excel.desktop as d; d.run('raccogli', rilevazione='" & _
              rilevazione & "', cartelle=[" & lista & "])"
End Sub

Public Sub Albero_relazione(control As IRibbonControl)
    Dim comune As String
    If Not CartellaAperta() Then Exit Sub

    ' comune: optional free text for the title page, passed as escaped data (PyStr).
    comune = InputBox(It("Nome del comune per il frontespizio della relazione (per esempio " & _
                         "Comune di Esempio).{nl}{nl}Lasciare vuoto per completarlo poi nel " & _
                         "documento."), TITOLO, "")
    If StrPtr(comune) = 0 Then Exit Sub ' Annulla
    comune = Trim$(comune)
    If comune = "" Then
        RunPython "import xl_albero.excel.desktop as d; d.run('relazione')"
    Else
        RunPython "import xl_albero.excel.desktop as d; d.run('relazione', comune=" & _
                  PyStr(comune) & ")"
    End If
End Sub

Public Sub Albero_Informazioni(control As IRibbonControl)
    MsgBox It("xl-albero: l'Albero della Performance (PIAO/PEG) in Excel.{nl}{nl}" & _
              "Valida controlla l'albero; Fogli per settore e Riepilogo creano i prospetti; " & _
              "Nuovo ciclo prepara il piano dell'anno successivo; Invia ai settori manda a " & _
              "ogni dirigente la sua cartella; Raccogli dai settori riunisce all'albero le cartelle " & _
              "compilate dai dirigenti; Relazione scrive la relazione sulla performance " & _
              "(Word).{nl}{nl}" & _
              "I comandi lavorano sulla cartella attiva e non la salvano: i file nuovi sono " & _
              "scritti a parte.{nl}{nl}" & _
              "Componente aggiuntivo: " & ThisWorkbook.FullName), vbInformation, TITOLO
End Sub
