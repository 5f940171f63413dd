"""Pages of the importer and the exports. Thin: reads through the selectors, jobs through the services."""

from __future__ import annotations

import tempfile
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from careforce.core.forms import add_service_errors
from careforce.core.paging import paginate
from careforce.core.scope import can_unmask, require_write, scope_of
from careforce.core.views import page_or_fragment
from careforce.imports import engine, exports, selectors, services, workbooks
from careforce.imports.engine import MAX_NEW_SHOWN
from careforce.imports.forms import UnmaskedExportForm, UploadForm
from careforce.imports.models import JobStatus
from careforce.imports.readers import MAX_UPLOAD_BYTES
from careforce.imports.sheets import RowStatus, get_sheet, sheets_for
from careforce.institutions.forms import InstitutionFilterForm
from careforce.registry.forms import WorkerFilterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_TABS = (RowStatus.ERROR, RowStatus.UPDATE, RowStatus.NEW)


def _xlsx(handle, name: str) -> FileResponse:
    response = FileResponse(handle, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@login_required
@require_http_methods(["GET", "POST"])
def job_list(request: HttpRequest) -> HttpResponse:
    scope = require_write(request.user)
    sheets = sheets_for(request.user, scope)
    form = UploadForm(request.POST or None, request.FILES or None, sheets=sheets)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ValidationError(
                    {
                        "file": [
                            _(
                                "The file is too large; at most %(limit)d MB can be imported at once. Split it."
                            )
                            % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
                        ]
                    }
                )
            job = services.import_upload(
                actor=request.user,
                sheet=form.cleaned_data["sheet"],
                file_name=upload.name,
                data=upload.read(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("imports:job_detail", pk=job.pk)
    jobs = selectors.jobs_visible_to(request.user)
    status = request.GET.get("status", "")
    if status in JobStatus.values:  # the home queue links here with ?status=validated
        jobs = jobs.filter(status=status)
    page = paginate(request, jobs)
    context = {"form": form, "page": page, "sheets": sheets, "status": status}
    return render(request, "imports/job_list.html", context)


@login_required
def template_download(request: HttpRequest, sheet: str) -> FileResponse:
    scope = require_write(request.user)
    spec = get_sheet(sheet)
    if spec is None or not spec.allowed(request.user, scope):
        raise Http404
    return _xlsx(workbooks.template(spec, request.user), f"{spec.title}-模板.xlsx")


@never_cache
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(request.user, pk)
    status = request.GET.get("status") or ""
    if status not in RowStatus.values:
        # The tab with something in it: errors first, then what a save would change, then what it adds.
        status = next(
            (
                s
                for s, n in (
                    (RowStatus.ERROR, job.rows_error),
                    (RowStatus.UPDATE, job.rows_update),
                    (RowStatus.NEW, job.rows_new),
                )
                if n
            ),
            "",
        )
    rows = paginate(request, selectors.job_rows(job, status or None), per_page=50)
    context = {
        "job": job,
        "spec": get_sheet(job.sheet),
        "rows": rows,
        "status": status,
        "tabs": [(s, RowStatus(s).label) for s in STATUS_TABS],
        "file_kept": selectors.job_file_kept(job),
        "new_shown": MAX_NEW_SHOWN,
    }
    return page_or_fragment(
        request, "imports/job_detail.html", {"job-status": "imports/_job_status.html"}, context
    )


@login_required
@require_POST
def job_commit(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    job = selectors.job_get(request.user, pk)
    try:
        services.import_commit(actor=request.user, job=job)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("imports:job_detail", pk=job.pk)


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    job = selectors.job_get(request.user, pk)
    try:
        services.import_cancel(actor=request.user, job=job)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The import was cancelled; its file was deleted."))
    return redirect("imports:job_detail", pk=job.pk)


@login_required
def job_report(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(request.user, pk)
    if job.is_active:
        raise Http404
    try:
        handle = engine.error_report(job)
    except ValidationError as exc:  # the file itself cannot be read: its problem is on the job's page
        for message in exc.messages:
            messages.error(request, message)
        return redirect("imports:job_detail", pk=job.pk)
    return _xlsx(handle, f"错误报告-{job.file_name.rsplit('.', 1)[0]}.xlsx")


# ---------------------------------------------------------------- exports


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@login_required
@require_http_methods(["GET", "POST"])
def export_workers(request: HttpRequest) -> HttpResponse:
    """The filtered worker list as xlsx. Masked by default; a role that may unmask is first asked which it
    wants, and an unmasked export needs a reason and logs every exported person's ID number and phone."""
    if scope_of(request.user).level in ("none", "self"):
        raise Http404
    query = request.GET.copy()
    mode = query.pop("mode", [""])[-1]
    filters = WorkerFilterForm(query or None, user=request.user).filters()
    unmask = can_unmask(request.user)
    if mode not in ("masked", "unmasked") and unmask:
        return render(
            request, "imports/export_choice.html", {"form": UnmaskedExportForm(), "query": query.urlencode()}
        )
    reason = None
    if mode == "unmasked":
        if not unmask:
            raise Http404
        form = UnmaskedExportForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            return render(request, "imports/export_choice.html", {"form": form, "query": query.urlencode()})
        reason = form.cleaned_data["reason"]
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    try:
        exports.export_workers(
            actor=request.user, filters=filters, out=out, unmask_reason=reason, ip_address=_ip(request)
        )
    except ValidationError as exc:
        out.close()
        form = UnmaskedExportForm(request.POST)
        add_service_errors(form, exc)
        return render(request, "imports/export_choice.html", {"form": form, "query": query.urlencode()})
    out.seek(0)
    return _xlsx(out, f"从业人员-{_stamp()}.xlsx")


@login_required
def export_institutions(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user).level in ("none", "self"):
        raise Http404
    filters = InstitutionFilterForm(request.GET or None, user=request.user).filters()
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, closed by it
    exports.export_institutions(actor=request.user, filters=filters, out=out, ip_address=_ip(request))
    out.seek(0)
    return _xlsx(out, f"养老服务机构-{_stamp()}.xlsx")
