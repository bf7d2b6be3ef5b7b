import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';
import { GraphQLError } from 'graphql';
import { operationOutcome, outcomeIssue } from '../fhir/operation-outcome.ts';

/**
 * An error as the FHIR GraphQL page asks: a message, and an OperationOutcome in
 * `extensions.resource`. Messages name types, ids, parameters and codes, never resource values.
 */
export function fhirGraphQLError(
  message: string,
  code: OperationOutcomeIssue['code'],
  extra: { outcome?: OperationOutcome; httpStatus?: number } = {},
): GraphQLError {
  const resource = extra.outcome ?? operationOutcome([outcomeIssue('error', code, message)]);
  return new GraphQLError(message, {
    extensions: { code: code.toUpperCase().replaceAll('-', '_'), resource },
  });
}
