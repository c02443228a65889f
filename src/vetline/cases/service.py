"""The case-review API for the CLI and the web: every function takes the session and the acting
user, enforces the rules, writes the audit trail, and raises vetline.errors on refusal."""

from __future__ import annotations

from vetline.cases.appeals import appeal
from vetline.cases.bulk import BulkPreview, confirm_bulk, prepare_bulk
from vetline.cases.decide import (
    approve,
    final_decision,
    is_adverse,
    latest_proposal,
    propose,
    return_,
)
from vetline.cases.detail import CaseDetail, ClauseView, DecisionView, HitView, case_detail
from vetline.cases.notices import list_notices
from vetline.cases.provisional import extend_provisional
from vetline.cases.queue import CaseSummary, claim, claim_next, list_queue, release
from vetline.cases.responses import declare_conflict, record_response

__all__ = [
    "BulkPreview",
    "CaseDetail",
    "CaseSummary",
    "ClauseView",
    "DecisionView",
    "HitView",
    "appeal",
    "approve",
    "case_detail",
    "claim",
    "claim_next",
    "confirm_bulk",
    "declare_conflict",
    "extend_provisional",
    "final_decision",
    "is_adverse",
    "latest_proposal",
    "list_notices",
    "list_queue",
    "prepare_bulk",
    "propose",
    "record_response",
    "release",
    "return_",
]
