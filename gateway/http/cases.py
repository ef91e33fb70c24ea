"""GET /v1/cases/<case_id>: the case and its timeline, phone numbers masked."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from gateway.core import logs
from gateway.core.models import Case
from gateway.core.phones import mask
from gateway.core.schemas import CASE_ID
from gateway.http.answers import CaseView, MaskedCrew, MaskedParty, TimelineEntry
from gateway.http.auth import check_case_system
from gateway.http.errors import ApiError
from gateway.runtime import runtime

bp = Blueprint("cases", __name__)


@bp.get("/v1/cases/<case_id>")
def show_case(case_id: str) -> ResponseReturnValue:
    rt = runtime()
    check_case_system(request, rt.config)
    if not CASE_ID.fullmatch(case_id):
        raise ApiError(404, "case_not_found", "no case with that case_id", "case_id")
    with rt.db.transaction() as session:
        case = session.scalar(select(Case).where(Case.case_id == case_id))
        if case is None:
            raise ApiError(404, "case_not_found", f"no case with case_id {case_id!r}", "case_id")
        logs.note_case(case.case_id)
        return jsonify(case_document(case))


def case_document(case: Case) -> dict:
    view = CaseView(
        case_id=case.case_id,
        reference=case.reference,
        address=case.address,
        status=case.status,
        round=case.round,
        proxy_number=case.proxy_number,
        citizen=MaskedParty(
            phone=mask(case.citizen_phone),
            name=case.citizen_name,
            language=case.citizen_language,
            channel=case.citizen_channel,
        ),
        crew=MaskedCrew(id=case.crew_id, phone=mask(case.crew_phone), name=case.crew_name, language=case.crew_language),
        eta=case.eta,
        completed_at=case.completed_at,
        reopen_until=case.reopen_until,
        timeline=[
            TimelineEntry.model_validate(
                {"at": entry.at, "kind": entry.kind, "summary": entry.summary, "data": entry.data}
            )
            for entry in case.timeline
        ],
    )
    return view.model_dump(mode="json")
