Attribute VB_Name = "jixiao"
' jixiao 绩效 ribbon callbacks. Two ways to run the same functions:
'  * with Python on this PC (xlwings add-in installed): RunPython
'  * without Python: RunServerPython sends the workbook to the jixiao server, which runs
'    them there and sends back what to change (needs the xlwings VBA module "Remote").
' Settings live on the "xlwings.conf" sheet: JIXIAO_URL, JIXIAO_TOKEN, JIXIAO_BUREAU,
' and for RunServerPython also AUTH = "Bearer jx_…".
Option Explicit

Sub JixiaoGetForm(control As IRibbonControl)
    RunPython "import excel_addin.desktop.jixiao_addin as a; a.get_form()"
End Sub

Sub JixiaoSubmit(control As IRibbonControl)
    RunPython "import excel_addin.desktop.jixiao_addin as a; a.submit()"
End Sub

Private Function ServerUrl(action As String) As String
    ServerUrl = GetConfig("JIXIAO_URL") & "/api/v1/bureaus/" & GetConfig("JIXIAO_BUREAU") & _
        "/excel/xlwings/" & action
End Function

Sub JixiaoServerGetForm(control As IRibbonControl)
    RunServerPython ServerUrl("form") & "?cycle=" & GetConfig("JIXIAO_CYCLE") & _
        "&period=" & GetConfig("JIXIAO_PERIOD") & "&unit=" & GetConfig("JIXIAO_UNIT"), _
        auth:="Bearer " & GetConfig("JIXIAO_TOKEN")
End Sub

Sub JixiaoServerSubmit(control As IRibbonControl)
    RunServerPython ServerUrl("submit"), auth:="Bearer " & GetConfig("JIXIAO_TOKEN")
End Sub
