"""Data entry (数据填报): the reporter's to-do list, the form of one unit and period
(checked by the submission service, errors beside the field they concern, as in the
Excel template), evidence upload, and the .xlsx template download and upload.

The form carries what it showed: each row's hidden ``corrects-<indicator>`` holds the
seq of the value it was loaded with (empty when there was none), and a row sent back
names exactly that entry as the one it corrects. The submission service refuses a
correction of anything but the current value (409, under the bureau's lock), so of two
people who loaded the same form, the second to submit hears that the figure changed
meanwhile instead of silently reverting it, as the Excel template's seqs do."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _

from core.console import auth, inputs
from core.console.rendering import field_errors, flash, page, requires
from core.console.views.common import attempt, choose_cycle, chosen_period, download
from core.kernel.errors import Conflict, InvalidInput, ServiceError
from core.services import collection, evidence, forms, submissions

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
bp = Blueprint("entry", __name__, url_prefix="/bureaus/<bureau>/entry")
ROW_FIELDS = ("value", "note", "evidence", "corrects")
"""The fields of a form row, named ``<field>-<indicator>`` in the page."""
STALE = "此数据已被他人修改，请刷新后重试 (changed since you loaded the form; reload and try again)"


def _period(cycle: dict) -> str | None:
    return chosen_period(cycle, ("quarter", "month"))


def _status(form: forms.EntryForm) -> dict:
    filled = sum(1 for r in form.rows if r.value is not None)
    return {
        "unit": form.subject,
        "name": form.subject_name,
        "filled": filled,
        "total": len(form.rows),
        "rejected": sum(1 for r in form.rows if r.review == "rejected"),
        "done": filled == len(form.rows) and form.rows,
    }


@bp.get("/")
def index(bureau: str):
    """The to-do list: every unit the caller enters for, and what is still missing."""
    return _index_page(bureau)


def _index_page(bureau: str, errors: dict | None = None, status: int = 200):
    cycles, cycle = choose_cycle(bureau)
    period = _period(cycle) if cycle else None
    todo = []
    if period:
        todo = [
            _status(f) for f in forms.forms_for_units(auth.ctx(), bureau, cycle["code"], period)
        ]
    return page(
        "entry_index.html",
        status,
        cycles=cycles,
        cycle=cycle,
        period=period,
        periods_filter=True,
        todo=todo,
        owed=attempt(collection.todo, auth.ctx(), bureau) or [],
        excel=_excel_available(),
        errors=errors or {},
    )


def _files(bureau: str, unit: str, period: str) -> list[dict]:
    """Evidence files uploaded for this unit's entries of the period."""
    return [
        f
        for f in evidence.listing(auth.ctx(), bureau)
        if (f["subject"] or "").startswith(f"{unit}:") and f["subject"].endswith(f"@{period}")
    ]


def _form_page(bureau: str, unit: str, cycle: dict, period: str, given=None, errors=None,
               status: int = 200):  # fmt: skip
    form = forms.entry_form(auth.ctx(), bureau, cycle["code"], period, {"unit": unit})
    return page(
        "entry_form.html",
        status=status,
        form=form,
        cycle=cycle,
        period=period,
        files=_files(bureau, unit, period),
        given=given or {},
        errors=errors or {},
        excel=_excel_available(),
    )


@bp.get("/<unit>")
def form(bureau: str, unit: str):
    cycle = choose_cycle(bureau)[1]
    return _form_page(bureau, unit, cycle, _period(cycle))


def _number(stated: str) -> int | str | None:
    """A whole number the form carried (a seq, the scheme version): digits become the
    number the service compares, empty is none, and anything else goes to the service
    as it came, to be refused (type=int had made garbage mean "none")."""
    return int(stated) if stated.isascii() and stated.isdecimal() else stated or None


def _rows(shown: forms.EntryForm) -> tuple[list[dict], dict[str, dict]]:
    """The submission's rows, and what was typed into each (shown again on a refusal).
    A row left empty, or as recorded with nothing added, is not sent; a row sent names
    the entry its form showed (see the module doc)."""
    rows, given = [], {}
    for r in shown.rows:
        value = request.form.get(f"value-{r.indicator}", "").strip()
        note = request.form.get(f"note-{r.indicator}", "").strip()
        files = [f for f in request.form.getlist(f"evidence-{r.indicator}") if f]
        based = request.form.get(f"corrects-{r.indicator}", "")
        given[r.indicator] = {"value": value, "note": note, "evidence": files, "corrects": based}
        if value == "" or (value == (r.value or "") and not note and not files):
            rows.append({"indicator": r.indicator, "value": None})  # unchanged or empty
            continue
        rows.append({"indicator": r.indicator, "value": value, "note": note, "evidence": files,
                     "corrects": _number(based)})  # fmt: skip
    return rows, given


def _unreadable(shown: forms.EntryForm, found: dict[str, list[str]]) -> dict[str, list[str]]:
    """Unreadable fields (:mod:`core.console.inputs`) keyed as the page shows errors:
    ``value-x`` beside row x's value (``x:value``), other names as they are."""
    indicators = {r.indicator for r in shown.rows}
    errors: dict[str, list[str]] = {}
    for name, reasons in found.items():
        field, _sep, indicator = name.partition("-")
        key = f"{indicator}:{field}" if field in ROW_FIELDS and indicator in indicators else name
        errors.setdefault(key, []).extend(reasons)
    return errors


def _refused(shown: forms.EntryForm, exc: ServiceError) -> dict[str, list[str]]:
    """The service's refusal keyed as the page shows errors (``indicator:field``); a
    correction of what is no longer the current value is the form gone stale."""
    by_row = {i: r.indicator for i, r in enumerate(shown.rows, start=1)}
    errors: dict[str, list[str]] = {}
    for e in exc.errors:
        key = f"{by_row.get(e.row, '')}:{e.field}" if e.row else e.field
        stale = isinstance(exc, Conflict) and e.field == "corrects"
        errors.setdefault(key, []).append(STALE if stale else e.reason)
    return errors


@bp.post("/<unit>")
@requires("values.record")
def submit(bureau: str, unit: str):
    unreadable = inputs.problems()  # shown beside their fields below; nothing recorded
    cycle = choose_cycle(bureau)[1]
    period = _period(cycle)
    shown = forms.entry_form(auth.ctx(), bureau, cycle["code"], period, {"unit": unit})
    rows, given = _rows(shown)
    if unreadable:
        return _form_page(bureau, unit, cycle, period, given, _unreadable(shown, unreadable), 422)
    try:
        done = submissions.submit(
            auth.ctx(), bureau, cycle=cycle["code"], period=period, subject={"unit": unit},
            rows=rows, scheme_version=_number(request.form.get("scheme_version", "")),
        )  # fmt: skip
    except (InvalidInput, Conflict) as exc:
        return _form_page(bureau, unit, cycle, period, given, _refused(shown, exc), exc.status)
    count = len(done["entries"])
    flash("ok", _("%(count)s value(s) recorded.", count=count))
    names = {i: r.name for i, r in enumerate(shown.rows, start=1)}
    for w in done["warnings"]:
        about = w.get("indicator") or names.get(w.get("row"), "")
        flash("warn", f"{about}: {w.get('message', '')}" if about else w.get("message", ""))
    return redirect(url_for(".form", bureau=bureau, unit=unit, cycle=cycle["code"], period=period))


@bp.post("/<unit>/evidence")
@requires("evidence.attach")
def upload_evidence(bureau: str, unit: str):
    unreadable = inputs.problems()
    cycle = choose_cycle(bureau)[1]
    period = _period(cycle)
    upload = request.files.get("file")
    indicator = request.form.get("indicator", "")
    shown = forms.entry_form(auth.ctx(), bureau, cycle["code"], period, {"unit": unit})
    if unreadable:
        return _form_page(bureau, unit, cycle, period, errors=unreadable, status=422)
    if indicator not in {row.indicator for row in shown.rows}:
        wrong = {"indicator": [_("Choose one of the form's indicators.")]}
        return _form_page(bureau, unit, cycle, period, errors=wrong, status=422)
    try:
        if upload is None or not upload.filename:
            raise InvalidInput("未选择文件 (no file)", [])
        done = evidence.attach(
            auth.ctx(), bureau, upload.read(), upload.filename, upload.mimetype, unit,
            f"{unit}:{indicator}@{period}",
        )  # fmt: skip
    except InvalidInput as exc:
        reasons = field_errors(exc) or {"file": [_("Choose a file to upload.")]}
        return _form_page(bureau, unit, cycle, period, errors=reasons, status=422)
    flash("ok", _("File %(name)s uploaded (ledger entry %(seq)s).", name=done["filename"],
                  seq=done["seq"]))  # fmt: skip
    return redirect(url_for(".form", bureau=bureau, unit=unit, cycle=cycle["code"], period=period))


# ------------------------------------------------------------------------ Excel (.xlsx)


def _excel_available() -> bool:
    try:
        from excel_addin import exports, importer
    except ImportError:
        return False
    return hasattr(exports, "entry_template") and hasattr(importer, "import_workbook")


@bp.get("/<unit>/template.xlsx")
def template(bureau: str, unit: str):
    """The unit's entry workbook (from the Excel module, issue 10/11)."""
    if not _excel_available():
        raise ServiceError(_("The Excel module is not installed on this server."))
    from excel_addin import exports

    cycle = choose_cycle(bureau)[1]
    name, data = exports.entry_template(
        auth.ctx(), bureau, cycle["code"], _period(cycle), {"unit": unit}
    )
    return download(data, name, XLSX)


@bp.post("/upload")
@requires("values.record")
def upload_workbook(bureau: str):
    """A filled-in workbook: recorded all or nothing; on problems, the annotated copy."""
    if not _excel_available():
        raise ServiceError(_("The Excel module is not installed on this server."))
    from excel_addin import importer

    unreadable = inputs.problems()
    if unreadable:
        return _index_page(bureau, errors=unreadable, status=422)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _index_page(bureau, errors={"file": [_("Choose a file to upload.")]}, status=422)
    done = importer.import_workbook(auth.ctx(), bureau, upload.read())
    if done.ok:
        flash("ok", _("The workbook was recorded."))
        return redirect(url_for(".index", bureau=bureau))
    if done.annotated:
        return download(done.annotated, "problems-" + upload.filename, XLSX)
    # not a workbook the template made (or no sheet of it): the reasons, beside the file
    reasons = [p.reason if p.where == "-" else str(p) for p in done.problems]
    return _index_page(bureau, errors={"file": reasons}, status=422)
