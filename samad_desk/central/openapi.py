"""The hand-written OpenAPI 3.1 description served at ``/openapi.json`` (and ``/docs``)."""

from __future__ import annotations

from samad_desk import __version__
from samad_desk.domain.permissions import ROLE_NAMES
from samad_desk.reports.spec import DIMENSIONS, MAX_TOP, MEASURES


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _ok(schema: dict, desc: str = "OK") -> dict:
    return {"description": desc, "content": {"application/json": {"schema": schema}}}


ERR = {"description": "error", "content": {"application/json": {"schema": _ref("Error")}}}
AUTH: list[dict[str, list[str]]] = [{"bearer": []}]

#: docs/audit.md: each touched case's hash chain up to the page's cursor
CHAINS = {"type": "object", "additionalProperties": {"type": "object", "properties": {
    "links": {"type": "array", "items": {"type": "array", "description": "[n, event_id, hash]"}},
    "mark": {"type": ["object", "null"], "description": "newest signed head within the links: {cp, n, head, sig}"}}}}
AUDIT = {"type": "object", "properties": {"server": {"type": "string"},
                                          "key": {"type": ["string", "null"], "description": "checkpoint key, base64url"}}}

OPENAPI: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "samad-desk central server",
        "version": __version__,
        "description": "Sync, accounts, civil-registry lookup and public tracking for the "
        "111/SAMAD operator desk. Protocol 1 (header X-Desk-Protocol). Messages in "
        "`message` fields are Persian. See store-and-sync.md §3.",
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
            },
            "Operator": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "username": {"type": "string"},
                    "name": {"type": "string"},
                    "role": {"enum": list(ROLE_NAMES)},
                    "agency_id": {"type": ["string", "null"]},
                    "office_id": {"type": ["string", "null"]},
                    "province": {"type": "string"},
                },
            },
            "ReportSpec": {
                "type": "object",
                "required": ["name"],
                "description": "docs/reports.md: dimensions, measures, filters, Jalali period "
                "(«این ماه»، «last_30_days»، «1404»، «1404/02»، «1404/01/01..1404/03/31»)",
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "rows": {"type": "array", "items": {"enum": list(DIMENSIONS)}, "uniqueItems": True},
                    "columns": {"type": "array", "items": {"enum": list(DIMENSIONS)}, "maxItems": 1},
                    "measures": {"type": "array", "items": {"enum": list(MEASURES)}, "minItems": 1,
                                 "uniqueItems": True},
                    "filters": {"type": "object", "propertyNames": {"enum": list(DIMENSIONS)},
                                "additionalProperties": {"type": "array", "items": {"type": "string"},
                                                         "minItems": 1}},
                    "period": {"type": "string"},
                    "compare": {"type": "boolean", "description": "also the previous period"},
                    "top": {"type": "integer", "minimum": 1, "maximum": MAX_TOP},
                },
                "additionalProperties": False,
            },
            "ReportResult": {
                "type": "object",
                "required": ["name", "rows", "columns", "total"],
                "properties": {
                    "name": {"type": "string"},
                    "spec": {"type": "object"},
                    "period": {"type": ["object", "null"]},
                    "previous_period": {"type": ["object", "null"]},
                    "rows": {"type": "array", "items": {"type": "object", "properties": {
                        "key": {"type": "array"}, "labels": {"type": "array", "items": {"type": "string"}},
                        "values": {"type": "object"}, "cells": {"type": "object"},
                        "previous": {"type": "object"}}}},
                    "columns": {"type": "array", "items": {"type": "object"}},
                    "total": {"type": "object"},
                    "previous_total": {"type": ["object", "null"]},
                    "total_rows": {"type": "integer"},
                },
            },
            "SavedReportSpec": {
                "type": "object",
                "required": ["name", "spec", "owner", "shared", "mine"],
                "properties": {
                    "name": {"type": "string"},
                    "spec": _ref("ReportSpec"),
                    "owner": {"type": "string", "description": "the owning operator's id"},
                    "owner_name": {"type": "string"},
                    "shared": {"type": "boolean", "description": "shared with the owner's province"},
                    "mine": {"type": "boolean"},
                    "province": {"type": "string"},
                    "updated_at": {"type": "string"},
                },
            },
            "Tokens": {
                "type": "object",
                "required": ["access_token", "refresh_token", "expires_in", "operator", "client_no"],
                "properties": {
                    "access_token": {"type": "string"},
                    "refresh_token": {"type": "string"},
                    "token_type": {"const": "bearer"},
                    "expires_in": {"type": "integer", "description": "seconds (900)"},
                    "refresh_expires_in": {"type": "integer"},
                    "operator": _ref("Operator"),
                    "device_id": {"type": "string"},
                    "client_no": {"type": "integer", "description": "per-device number for tracking codes (1..99999)"},
                    "op_key_id": {"type": "string", "description": "the registered op-signing key (when op_key was sent)"},
                    "server_id": {"type": "string", "description": "this central's id, one per database"
                                  " (also the X-Server-Id header of every answer)"},
                    "server_time": {"type": "string", "format": "date-time"},
                },
            },
            "Op": {
                "type": "object",
                "required": ["op_id", "client_seq", "type"],
                "properties": {
                    "op_id": {"type": "string", "description": "UUIDv7, idempotency key"},
                    "client_id": {"type": "string"},
                    "client_seq": {"type": "integer", "minimum": 1},
                    "type": {"type": "string", "examples": ["case.refer"]},
                    "v": {"type": "integer"},
                    "entity_id": {"type": "string"},
                    "base_version": {"type": ["integer", "null"]},
                    "payload": {"type": "object"},
                    "actor": {"type": "object"},
                    "client_time": {"type": "string"},
                    "clock_offset_ms": {"type": "integer"},
                    "sig": {"type": "object", "description": "the author's Ed25519 signature "
                            "{key_id, value}; needed when pushed by another operator (docs/threat-model.md)",
                            "properties": {"key_id": {"type": "string"}, "value": {"type": "string"}}},
                },
            },
            "PushResult": {
                "type": "object",
                "properties": {
                    "op_id": {"type": "string"},
                    "client_seq": {"type": "integer"},
                    "status": {"enum": ["applied", "rejected", "duplicate", "gap"]},
                    "original": {"enum": ["applied", "rejected"]},
                    "seq": {"type": "integer"},
                    "entity_version": {"type": "integer"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "current": {"type": "object"},
                    "expected_seq": {"type": "integer"},
                },
            },
            "Change": {
                "type": "object",
                "properties": {
                    "seq": {"type": "integer"},
                    "entity": {"type": "string"},
                    "id": {"type": "string"},
                    "version": {"type": "integer"},
                    "op": {"enum": ["put", "delete"]},
                    "data": {"type": "object"},
                },
            },
        },
    },
    "paths": {
        "/v1/health": {"get": {"summary": "liveness and database check; names the central (server_id)",
                               "responses": {"200": _ok({"type": "object", "properties": {
                                   "status": {"type": "string"}, "version": {"type": "string"},
                                   "protocol": {"type": "string"}, "database": {"type": "string"},
                                   "server_id": {"type": "string"}}})}}},
        "/v1/auth/login": {
            "post": {
                "summary": "log in; rate-limited per username+IP (429 with Retry-After)",
                "requestBody": _json_body({
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                                   "device_id": {"type": "string"},
                                   "op_key": {"type": "string", "description":
                                              "public half of a new Ed25519 op-signing key (base64url, 32 bytes)"}},
                }),
                "responses": {"200": _ok(_ref("Tokens")), "400": ERR, "401": ERR, "429": ERR},
            }
        },
        "/v1/auth/refresh": {
            "post": {
                "summary": "exchange a refresh token (rotated) for new tokens",
                "requestBody": _json_body({"type": "object", "properties": {"refresh_token": {"type": "string"}}}),
                "responses": {"200": _ok(_ref("Tokens")), "401": ERR},
            }
        },
        "/v1/auth/logout": {"post": {"security": AUTH,
                                     "summary": "revoke this device's refresh tokens and op-signing keys of the operator",
                                     "responses": {"200": _ok({"type": "object"}), "401": ERR}}},
        "/v1/auth/me": {"get": {"security": AUTH, "summary": "the token's operator",
                                "responses": {"200": _ok({"type": "object"}), "401": ERR}}},
        "/v1/sync/push": {
            "post": {
                "security": AUTH,
                "summary": "apply a batch of ops of one client, exactly once, in client_seq order",
                "requestBody": _json_body({
                    "type": "object",
                    "required": ["client_id", "ops"],
                    "properties": {"client_id": {"type": "string"}, "device_id": {"type": "string"},
                                   "schema_version": {"type": "integer"},
                                   "ops": {"type": "array", "items": _ref("Op")}},
                }),
                "responses": {
                    "200": _ok({"type": "object", "properties": {
                        "results": {"type": "array", "items": _ref("PushResult")},
                        "last_client_seq": {"type": "integer"}, "server_time": {"type": "string"}}}),
                    "401": ERR, "403": ERR,
                    "409": {"description": "client_reset_required: mint a new client_id and re-send"},
                    "426": ERR, "503": {"description": "transient; retry the same batch after Retry-After"},
                },
            }
        },
        "/v1/sync/pull": {
            "get": {
                "security": AUTH,
                "summary": "changes after the cursor in the token's scope, plus acks of this device's clients",
                "parameters": [
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 500, "maximum": 2000}},
                ],
                "responses": {
                    "200": _ok({"type": "object", "properties": {
                        "changes": {"type": "array", "items": _ref("Change")},
                        "next_cursor": {"type": "string"}, "has_more": {"type": "boolean"},
                        "acks": {"type": "object", "additionalProperties": {"type": "integer"}},
                        "chains": CHAINS, "audit": AUDIT,
                        "server_time": {"type": "string"}}}),
                    "410": {"description": "resync_required (epoch_changed | cursor_too_old | scope_changed): use /v1/sync/snapshot"},
                },
            }
        },
        "/v1/sync/snapshot": {
            "get": {
                "security": AUTH,
                "summary": "NDJSON page of the whole scope; the last line is a control line "
                "({next_page} or {done, cursor, acks}; both with the page's chains and audit, as a pull)",
                "parameters": [{"name": "page", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "NDJSON", "content": {"application/x-ndjson": {}}}},
            }
        },
        "/v1/sync/status": {
            "post": {
                "security": AUTH,
                "summary": "outcomes of ops whose push answer was lost (this device's clients only)",
                "requestBody": _json_body({"type": "object", "properties": {
                    "op_ids": {"type": "array", "items": {"type": "string"}}}}),
                "responses": {"200": _ok({"type": "object"})},
            }
        },
        "/v1/registry/citizens": {
            "get": {
                "security": AUTH,
                "summary": "civil registry (ثبت احوال) lookup by national ID",
                "parameters": [{"name": "national_id", "in": "query", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _ok({"type": "object", "properties": {
                    "found": {"type": "boolean"}, "citizen": {"type": ["object", "null"]}}}), "400": ERR},
            }
        },
        "/v1/cases/lookup": {
            "get": {
                "security": AUTH,
                "summary": "cases by tracking code or national ID, with their citizens and events, "
                "within the operator's read scope (agents and supervisors: the province; officers: "
                "their agency)",
                "parameters": [
                    {"name": "tracking_code", "in": "query", "schema": {"type": "string"}},
                    {"name": "national_id", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": _ok({"type": "object", "properties": {
                    "cases": {"type": "array", "items": {"type": "object"}},
                    "citizens": {"type": "array", "items": {"type": "object"}},
                    "events": {"type": "array", "items": {"type": "object"}}}})},
            }
        },
        "/v1/reports/run": {
            "post": {
                "security": AUTH,
                "summary": "run a report spec (گزارش‌ساز پویا) over the cases the operator may read: "
                "officers and managers their agency, agents, supervisors and admins their province "
                "(taken from the operator's account, never from the request)",
                "requestBody": _json_body({"type": "object", "required": ["spec"], "properties": {
                    "spec": _ref("ReportSpec"),
                    "today": {"type": "string", "format": "date",
                              "description": "the Iran-local day the report is as of (default: now)"}},
                    "additionalProperties": False}),
                "responses": {"200": _ok(_ref("ReportResult"))},
            }
        },
        "/v1/reports/specs": {
            "get": {
                "security": AUTH,
                "summary": "saved report specs: the operator's own and those shared in its province "
                "(scope from the operator's account, as /v1/reports/run)",
                "responses": {"200": _ok({"type": "object", "properties": {
                    "specs": {"type": "array", "items": _ref("SavedReportSpec")}}})},
            }
        },
        "/v1/reports/specs/{name}": {
            "put": {
                "security": AUTH,
                "summary": "save (or replace) one's own report spec under a name (1..80 characters); "
                "a replaced spec keeps its sharing",
                "parameters": [_path_param("name")],
                "requestBody": _json_body({"type": "object", "required": ["spec"], "properties": {
                    "spec": _ref("ReportSpec")}, "additionalProperties": False}),
                "responses": {"200": _ok(_ref("SavedReportSpec")), "409": ERR},
            }
        },
        "/v1/reports/specs/{name}/share": {
            "post": {
                "security": AUTH,
                "summary": "share one's own spec with everyone of one's province, or stop sharing it; "
                "supervisors and admins only (403 otherwise)",
                "parameters": [_path_param("name")],
                "requestBody": _json_body({"type": "object", "required": ["shared"], "properties": {
                    "shared": {"type": "boolean"}}, "additionalProperties": False}),
                "responses": {"200": _ok(_ref("SavedReportSpec")), "404": ERR},
            }
        },
        "/v1/track/{code}": {
            "get": {
                "summary": "public tracking: state and answer only; rate-limited per IP",
                "parameters": [
                    _path_param("code"),
                    {"name": "mobile_tail", "in": "query", "required": True,
                     "schema": {"type": "string", "pattern": "^[0-9۰-۹]{4}$"}},
                ],
                "responses": {
                    "200": _ok({"type": "object", "properties": {
                        "state": {"type": "string"}, "state_label": {"type": "string"},
                        "answer": {"type": ["string", "null"]}}}),
                    "404": ERR, "429": ERR,
                },
            }
        },
    },
}


#: ids are 1..64 (client and device ids 1..128) ASCII letters, digits and - _ . : @
#: (``samad_desk.domain.ids.is_safe_id``): anything else is 400 or an invalid_payload op
ID_PATTERN = "^[A-Za-z0-9._:@-]{1,64}$"
LONG_ID_PATTERN = "^[A-Za-z0-9._:@-]{1,128}$"


def _document_errors(spec: dict) -> None:
    """Every operation may answer 400 (bad input, JSON error with a Persian message);
    authorized ones 401/403/426; ones with a body 413 (over 32 MB after gzip)."""
    for ops in spec["paths"].values():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            responses.setdefault("400", ERR)
            if op.get("security"):
                for code in ("401", "403", "426"):
                    responses.setdefault(code, ERR)
            if "requestBody" in op:
                responses.setdefault("413", ERR)


_document_errors(OPENAPI)
_props = OPENAPI["components"]["schemas"]["Op"]["properties"]
_props["op_id"]["pattern"] = ID_PATTERN
_props["entity_id"] = {"type": "string", "pattern": ID_PATTERN}
_props["client_id"] = {"type": "string", "pattern": LONG_ID_PATTERN}
_login = OPENAPI["paths"]["/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
_login["properties"]["device_id"] = {"type": "string", "pattern": LONG_ID_PATTERN}


def docs_html() -> str:
    rows = []
    for path, ops in OPENAPI["paths"].items():
        for method, spec in ops.items():
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>{path}</code></td>"
                        f"<td>{spec.get('summary', '')}</td></tr>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>samad-desk central API</title>"
        "</head><body><h1>samad-desk central API</h1>"
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a></p>"
        "<table border='1' cellpadding='4'>" + "".join(rows) + "</table></body></html>"
    )
