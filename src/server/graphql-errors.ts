import type { OperationOutcomeIssue } from 'fhir/r4';
import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { operationOutcome, outcomeIssue } from '../fhir/operation-outcome.ts';

/** FHIR issue codes for the error codes this server gives, so clients can branch on either. */
const ISSUE_CODE: Record<string, OperationOutcomeIssue['code']> = {
  UNAUTHENTICATED: 'login',
  FORBIDDEN: 'forbidden',
  COST_LIMIT: 'too-costly',
  COUNT_LIMIT: 'too-costly',
  INTERNAL_SERVER_ERROR: 'exception',
  GRAPHQL_PARSE_FAILED: 'invalid',
  GRAPHQL_VALIDATION_FAILED: 'invalid',
  BAD_USER_INPUT: 'invalid',
};

/** An error shaped as the FHIR GraphQL page says: its OperationOutcome in `extensions.resource`. */
export function gatewayError(
  message: string,
  code: string,
  extra: { status?: number; headers?: Record<string, string>; [k: string]: unknown } = {},
): GraphQLError {
  const { status, headers, ...rest } = extra;
  return createGraphQLError(message, {
    extensions: {
      code,
      ...rest,
      resource: outcomeFor(message, code),
      ...(status ? { http: { status, ...(headers ? { headers } : {}) } } : {}),
    },
  });
}

export function outcomeFor(message: string, code: string | undefined) {
  return operationOutcome([outcomeIssue('error', ISSUE_CODE[code ?? ''] ?? 'invalid', message)]);
}
