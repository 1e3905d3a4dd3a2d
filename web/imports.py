"""Import page: upload JSONL/CSV (UTF-8 or CP932), see every row-level problem before writing."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from matcher.ingest.importer import ImportRejected, preview
from matcher.ingest.log import ImportOrigin
from web import params, uploads
from web.auth import actor
from web.errors import BadRequest
from web.messages import localise
from web.service import get_service

bp = Blueprint("imports", __name__, url_prefix="/import")


@bp.get("/")
@login_required
def index():  # noqa: ANN201
    """The upload form."""
    return render_template("imports/index.html")


@bp.post("/")
@login_required
def create():  # noqa: ANN201
    """Validate the whole file; write it only when every row is valid (and not a dry run)."""
    upload = request.files.get("file")
    dry_run = bool(params.flag(request.form, "dry_run"))
    context: dict = {"dry_run": dry_run, "filename": upload.filename if upload else None}
    try:
        if upload is None or not upload.filename:
            raise BadRequest("choose a JSONL or CSV file", "file_required")
        fmt = uploads.guess_format(
            upload.filename, upload.mimetype, request.form.get("format") or None
        )
        records, fmt, encoding = uploads.validate(upload.read(), fmt, upload.filename)
    except BadRequest as error:
        return render_template("imports/index.html", error=localise(error), **context), error.status
    except ImportRejected as rejected:
        return render_template("imports/index.html", problems=rejected.problems, **context), 422
    context.update(valid=len(records), format=fmt, encoding=encoding)
    if dry_run:  # what the import would add and change, before anyone commits to it
        context.update(
            preview=preview(get_service().store, records),
            names={r.id: r.name for r in records},
        )
    else:
        origin = ImportOrigin(actor(), upload.filename, fmt, "web", request.remote_addr)
        created, updated = get_service().import_records(records, origin)
        context.update(created=created, updated=updated)
    return render_template("imports/index.html", done=True, **context)
