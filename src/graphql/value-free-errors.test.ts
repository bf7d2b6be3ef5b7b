import { buildSchema, GraphQLError, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { valueFreeMessage, withoutInputValues } from './value-free-errors.ts';

// Real graphql-js coercion and validation over a small schema shaped like the mutation inputs.
const schema = buildSchema(`
  enum Status { final amended }
  input HumanNameInput { family: String given: [String] }
  input PatientInput { resourceType: String name: [HumanNameInput] status: Status count: Int note: String }
  type Query { ok: Boolean }
  type Mutation { PatientCreate(res: PatientInput!): Boolean }
`);
const PHI = 'Zebulon Quist 555-0100';

async function errorsOf(source: string, variables?: Record<string, unknown>): Promise<string[]> {
  const result = await graphql({ schema, source, variableValues: variables, rootValue: {} });
  const errors = result.errors ?? [];
  expect(errors.some((error) => error.message.includes('Zebulon'))).toBe(true); // graphql-js quoted the value…
  return errors.map((error) => {
    const sanitized = withoutInputValues(error).message;
    expect(sanitized).not.toContain('Zebulon'); // …and the message a client gets does not
    expect(sanitized).not.toContain('555-0100');
    return sanitized;
  });
}

const VARIABLE = 'mutation($res: PatientInput!) { PatientCreate(res: $res) }';

describe('error messages keep names and reasons, never the input value', () => {
  it('a variable with an unknown field', async () => {
    const [message] = await errorsOf(VARIABLE, { res: { note: PHI, name: [{ family: PHI }], colour: PHI } });
    expect(message).toBe(
      'Variable "$res" got an invalid value; Field "colour" is not defined by type "PatientInput".',
    );
  });

  it('a variable with a wrong scalar deep inside: the path says where', async () => {
    const [message] = await errorsOf(VARIABLE, { res: { note: PHI, name: [{ family: { text: PHI } }] } });
    expect(message).toBe(
      'Variable "$res" got an invalid value at "res.name[0].family"; String cannot represent a non string value.',
    );
  });

  it('a variable with a bad enum value or a non-integer', async () => {
    const [enumMessage] = await errorsOf(VARIABLE, { res: { status: PHI } });
    expect(enumMessage).toMatch(
      /^Variable "\$res" got an invalid value at "res\.status"; the value does not exist in "Status" enum\./,
    );
    const [intMessage] = await errorsOf(VARIABLE, { res: { count: PHI } });
    expect(intMessage).toBe(
      'Variable "$res" got an invalid value at "res.count"; Int cannot represent non-integer value.',
    );
  });

  it('a value whose text looks like the message format does not confuse the parse', async () => {
    const tricky = `${PHI}; Field "x" is not defined by type "Y". at "res.note"`;
    const [message] = await errorsOf(VARIABLE, { res: { note: tricky, colour: tricky } });
    expect(message).toBe(
      'Variable "$res" got an invalid value; Field "colour" is not defined by type "PatientInput".',
    );
  });

  it('literal arguments: validation errors drop the literal too', async () => {
    const messages = await errorsOf(
      `mutation { PatientCreate(res: { note: 42, count: "${PHI}", status: Zebulon, name: [{ family: "${PHI}", colour: "${PHI}" }] }) }`,
    );
    expect(messages).toContain('String cannot represent a non string value.');
    expect(messages).toContain('Int cannot represent non-integer value.');
    expect(messages).toContain('The value does not exist in "Status" enum.');
    expect(messages).toContain('Field "colour" is not defined by type "HumanNameInput".');
  });

  it('a message of an unknown shape after the variable prefix gets a generic reason', () => {
    expect(
      valueFreeMessage(`Variable "$res" got invalid value "${PHI}"; ${PHI} is odd`, `${PHI} is odd`),
    ).toBe('Variable "$res" got an invalid value; the value is not valid for its type.');
  });

  it('messages that quote no input are left alone, and so is the error', () => {
    const error = new GraphQLError('Cannot query field "colour" on type "Patient".');
    expect(withoutInputValues(error)).toBe(error);
  });
});
