import type { SimResponse } from '../common/http-server.ts';
import errorCatalog from './epic-errors.json' with { type: 'json' };
import { epicSystems } from './epic-systems.ts';
import type { OperationOutcome, OperationOutcomeIssue } from './fhir-types.ts';

/** Epic error codes (numeric ones are Epic's own; the named ones cover HTTP-level cases). */
export type EpicErrorCode = keyof typeof errorCatalog;

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** One OperationOutcome issue in Epic's shape: the numeric code under Epic's OID system. */
export function epicIssue(code: EpicErrorCode, diagnostics?: string): OperationOutcomeIssue {
  const entry = errorCatalog[code];
  return {
    severity: entry.severity as OperationOutcomeIssue['severity'],
    code: entry.issue as OperationOutcomeIssue['code'],
    details: {
      coding: [{ system: epicSystems.errorCodes, code, display: entry.text }],
      text: entry.text,
    },
    ...(diagnostics ? { diagnostics } : {}),
  };
}

export function epicOutcome(code: EpicErrorCode, diagnostics?: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [epicIssue(code, diagnostics)] };
}

/** An error answer: the catalog's HTTP status with an Epic OperationOutcome body. */
export function epicError(
  code: EpicErrorCode,
  diagnostics?: string,
  headers: Record<string, string> = {},
): SimResponse {
  return {
    status: errorCatalog[code].status,
    headers: { 'content-type': FHIR_JSON, ...headers },
    body: epicOutcome(code, diagnostics),
  };
}

/** A FHIR JSON answer. */
export function fhirJson(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': FHIR_JSON, ...headers }, body };
}

/** Thrown inside handlers to answer an Epic error; caught by the route wrapper. */
export class EpicHttpError extends Error {
  readonly code: EpicErrorCode;
  readonly diagnostics: string | undefined;
  constructor(code: EpicErrorCode, diagnostics?: string) {
    super(diagnostics ?? errorCatalog[code].text);
    this.code = code;
    this.diagnostics = diagnostics;
  }
}
