// GET /openapi.json: OpenAPI 3.1 for every route of the service. Tests parse it, check that every
// route the router serves is described, and validate it with openapi-spec-validator when present.
import JSONCore

enum OpenAPIDocument {
    static let document: JSON = {
        do { return try JSON.parse(text) } catch { fatalError("openapi.json does not parse: \(error)") }
    }()

    static let text = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "tcplab",
    "version": "1.0.0",
    "description": "A TCP teaching lab: POST a scenario, get its simulated trace (Linux 6.18 behaviour) as JSON, a ladder diagram, a pcap, or socket tables. Errors are application/problem+json (RFC 9457).",
    "license": {"name": "MIT", "identifier": "MIT"}
  },
  "servers": [{"url": "http://127.0.0.1:8080"}],
  "paths": {
    "/health": {
      "get": {
        "operationId": "health", "summary": "Liveness, connection counters and the database",
        "responses": {"200": {"description": "The service is up", "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "const": "ok"}}}}}}}
      }
    },
    "/openapi.json": {
      "get": {"operationId": "openapi", "summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}
    },
    "/api/scenarios": {
      "get": {
        "operationId": "listScenarios", "summary": "The catalogue: one scenario per claim of the notes",
        "parameters": [{"$ref": "#/components/parameters/lang"}, {"$ref": "#/components/parameters/acceptLanguage"}],
        "responses": {"200": {"description": "Every catalogue scenario", "content": {"application/json": {"schema": {"type": "object", "required": ["lang", "scenarios"], "properties": {"lang": {"type": "string", "enum": ["en", "zh"]}, "scenarios": {"type": "array", "items": {"$ref": "#/components/schemas/CatalogueEntry"}}}}}}}}
      }
    },
    "/api/scenarios/{id}": {
      "get": {
        "operationId": "getScenario", "summary": "One catalogue scenario, with its full scenario JSON",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "example": "four-way-close"}, {"$ref": "#/components/parameters/lang"}, {"$ref": "#/components/parameters/acceptLanguage"}],
        "responses": {"200": {"description": "The entry", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CatalogueEntry"}}}}, "404": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/runs": {
      "post": {
        "operationId": "createRun", "summary": "Validate, simulate and store a run",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/CatalogueRunRequest"}, {"$ref": "#/components/schemas/Scenario"}]}, "examples": {"catalogue": {"value": {"scenario": "handshake-queues", "params": {"backlog": 2, "clients": 5}}}}}, "text/x-packetdrill": {"schema": {"type": "string", "description": "A packetdrill script (README: Speak packetdrill); the run's summary carries its verdict under packetdrill"}, "examples": {"close": {"value": "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0 < S 0:0(0) win 65535 <mss 1460>\n+0 > S. 0:0(0) ack 1 <mss 1460>\n"}}}}},
        "responses": {
          "201": {"description": "Stored. The delete token is shown only here.", "headers": {"Location": {"schema": {"type": "string"}, "description": "/api/runs/{id}"}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
          "400": {"$ref": "#/components/responses/Problem"},
          "413": {"$ref": "#/components/responses/Problem"},
          "422": {"description": "Invalid scenario (every problem with its path), or a run over the server's bounds", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ValidationProblem"}}}},
          "429": {"description": "Rate limited per client address", "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds"}}, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
          "503": {"$ref": "#/components/responses/Problem"}
        }
      },
      "get": {
        "operationId": "listRuns", "summary": "Runs, newest first, a page at a time",
        "parameters": [
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
          {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "From the previous page's next link"},
          {"name": "scenario", "in": "query", "schema": {"type": "string"}, "description": "Only runs of this catalogue id"}
        ],
        "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {"type": "object", "required": ["runs", "next"], "properties": {"runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}, "next": {"type": ["string", "null"]}}}}}}, "400": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/runs/{id}": {
      "parameters": [{"$ref": "#/components/parameters/runId"}],
      "get": {"operationId": "getRun", "summary": "A run's summary and links", "responses": {"200": {"description": "The run", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}}, "404": {"$ref": "#/components/responses/Problem"}}},
      "delete": {
        "operationId": "deleteRun", "summary": "Delete a run with its delete token or the admin token",
        "security": [{"bearer": []}],
        "responses": {"204": {"description": "Deleted"}, "401": {"$ref": "#/components/responses/Problem"}, "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/runs/{id}/trace": {
      "parameters": [{"$ref": "#/components/parameters/runId"}],
      "get": {"operationId": "getTrace", "summary": "The trace (JSON contract, schemaVersion 1), with an ETag", "responses": {"200": {"description": "The trace", "headers": {"ETag": {"schema": {"type": "string"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Trace"}}}}, "304": {"description": "Not modified (If-None-Match)"}, "404": {"$ref": "#/components/responses/Problem"}}}
    },
    "/api/runs/{id}/trace.txt": {
      "parameters": [{"$ref": "#/components/parameters/runId"}],
      "get": {
        "operationId": "getTraceText", "summary": "The ladder diagram as text",
        "parameters": [{"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["en", "zh", "none"]}}, {"name": "timers", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}}],
        "responses": {"200": {"description": "The ladder", "content": {"text/plain": {"schema": {"type": "string"}}}}, "404": {"$ref": "#/components/responses/Problem"}, "410": {"$ref": "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}}
      }
    },
    "/api/runs/{id}/trace.pcap": {
      "parameters": [{"$ref": "#/components/parameters/runId"}],
      "get": {"operationId": "getTracePcap", "summary": "The segments as a pcap file (Ethernet/IPv4/TCP rebuilt, simulated timestamps)", "responses": {"200": {"description": "libpcap file", "content": {"application/vnd.tcpdump.pcap": {"schema": {"type": "string", "contentMediaType": "application/vnd.tcpdump.pcap"}}}}, "404": {"$ref": "#/components/responses/Problem"}, "410": {"$ref": "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}}}
    },
    "/api/runs/{id}/sockets": {
      "parameters": [{"$ref": "#/components/parameters/runId"}],
      "get": {
        "operationId": "getSockets", "summary": "The socket table at an instant, like ss -tan",
        "parameters": [{"name": "at", "in": "query", "required": true, "schema": {"type": "string"}, "example": "1.5s"}, {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "text"]}}],
        "responses": {"200": {"description": "The table", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SocketTable"}}, "text/plain": {"schema": {"type": "string"}}}}, "400": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}, "410": {"$ref": "#/components/responses/Problem"}, "503": {"$ref": "#/components/responses/Problem"}}
      }
    }
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "The run's deleteToken, or the server's --admin-token"}},
    "parameters": {
      "runId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
      "lang": {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["en", "zh"]}},
      "acceptLanguage": {"name": "Accept-Language", "in": "header", "schema": {"type": "string"}}
    },
    "responses": {
      "Problem": {"description": "An error (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    },
    "schemas": {
      "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}},
      "ValidationProblem": {"allOf": [{"$ref": "#/components/schemas/Problem"}, {"type": "object", "properties": {"errors": {"type": "array", "items": {"type": "object", "required": ["path", "message"], "properties": {"path": {"type": "string", "examples": ["steps[3].call"]}, "message": {"type": "string"}, "line": {"type": "integer", "description": "packetdrill scripts: the line"}, "kind": {"type": "string", "enum": ["syntax", "unsupported"], "description": "packetdrill scripts"}}}}, "verdict": {"type": "string", "enum": ["invalid", "unsupported"], "description": "packetdrill scripts"}}}]},
      "CatalogueEntry": {"type": "object", "required": ["id", "title", "claim", "params", "links"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "claim": {"type": "string"}, "description": {"type": "string"},
        "params": {"type": "array", "items": {"type": "object", "required": ["name", "kind", "default"], "properties": {"name": {"type": "string"}, "kind": {"type": "string"}, "default": {"type": "string"}, "description": {"type": "string"}}}},
        "suggestedSocketsAt": {"type": "number"}, "scenario": {"$ref": "#/components/schemas/Scenario"}, "links": {"type": "object"}}},
      "CatalogueRunRequest": {"type": "object", "required": ["scenario"], "additionalProperties": false, "properties": {
        "scenario": {"type": "string", "description": "A catalogue id"},
        "params": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        "seed": {"type": "integer", "minimum": 0},
        "set": {"type": "array", "items": {"type": "string", "examples": ["server.tcp_abort_on_overflow=1"]}}}},
      "Scenario": {"type": "object", "description": "The scenario format (README: Writing a scenario): name, duration, seed, hosts, links, steps, faults, rules, nats", "required": ["hosts", "steps"], "properties": {"name": {"type": "string"}, "duration": {"type": ["string", "number"]}, "seed": {"type": "integer"}, "hosts": {"type": "array", "items": {"type": "object"}}, "links": {"type": "array", "items": {"type": "object"}}, "steps": {"type": "array", "items": {"type": "object"}}, "faults": {"type": "array", "items": {"type": "object"}}, "rules": {"type": "array", "items": {"type": "object"}}, "nats": {"type": "array", "items": {"type": "object"}}}},
      "Run": {"type": "object", "required": ["id", "scenario", "name", "seed", "createdAt", "summary", "links"], "properties": {
        "id": {"type": "string"}, "scenario": {"type": ["string", "null"], "description": "Catalogue id, or null for a custom scenario"}, "name": {"type": "string"},
        "seed": {"type": "integer"}, "createdAt": {"type": "string", "format": "date-time"}, "summary": {"type": "object", "properties": {"packetdrill": {"type": "object", "description": "Only for a packetdrill script: how it ended", "required": ["verdict"], "properties": {"verdict": {"type": "string", "enum": ["pass", "fail"]}, "line": {"type": "integer"}, "message": {"type": "string"}, "detail": {"type": "array", "items": {"type": "string"}}}}}},
        "deleteToken": {"type": "string", "description": "Only in the 201 answer to POST"},
        "links": {"type": "object", "properties": {"self": {"type": "string"}, "trace": {"type": "string"}, "text": {"type": "string"}, "pcap": {"type": "string"}, "sockets": {"type": "string"}, "viewer": {"type": "string"}}}}},
      "Trace": {"type": "object", "required": ["schemaVersion", "scenario", "hosts", "summary", "events"], "properties": {"schemaVersion": {"type": "integer", "const": 1}, "scenario": {"$ref": "#/components/schemas/Scenario"}, "hosts": {"type": "array", "items": {"type": "object"}}, "summary": {"type": "object"}, "events": {"type": "array", "items": {"type": "object"}}, "sockets": {"type": "array", "items": {"$ref": "#/components/schemas/SocketTable"}}}},
      "SocketTable": {"type": "object", "required": ["t", "rows"], "properties": {"t": {"type": "number"}, "rows": {"type": "array", "items": {"type": "object", "properties": {"host": {"type": "string"}, "socket": {"type": "string"}, "state": {"type": "string"}, "recvQ": {"type": "integer"}, "sendQ": {"type": "integer"}, "local": {"type": "string"}, "peer": {"type": "string"}}}}, "text": {"type": "string"}}}
    }
  }
}
"""#
}
