import { describe, expect, it } from 'vitest';
import { SourceError } from '../connectors/connector.ts';
import type { Connection } from '../store/port.ts';
import { connectionForwardOptions, pageForwardOptions } from './forward-options.ts';

const connection = (source: Connection['source'], config: Record<string, unknown>): Connection => ({
  tenant: 't',
  id: 'c',
  source,
  config,
  createdAt: '',
  updatedAt: '',
});

describe('forward options from the connection', () => {
  it('takes the time zone and currency from the config, and the FHIR base of a FHIR source', () => {
    expect(
      connectionForwardOptions(connection('drchrono', { baseUrl: 'https://d', timeZone: 'America/Chicago' })),
    ).toEqual({ timeZone: 'America/Chicago' });
    expect(connectionForwardOptions(connection('jane', { currency: 'CAD' }))).toEqual({ currency: 'CAD' });
    expect(connectionForwardOptions(connection('epic', { fhirBaseUrl: 'https://e/R4' }))).toEqual({
      fhirBaseUrl: 'https://e/R4',
    });
  });

  it('refuses a bad setting as `rejected`, naming the field and not its value', () => {
    const bad = () =>
      connectionForwardOptions(connection('jane', { timeZone: 'Nowhere/Else', currency: 'cad' }));
    expect(bad).toThrow(SourceError);
    expect(bad).toThrow(/timeZone, currency/);
    expect(bad).not.toThrow(/Nowhere/);
  });

  it("resolves an Epic page's conditional references against the page's resources", () => {
    const page = [
      { resourceType: 'Practitioner', id: 'p1', identifier: [{ system: 'urn:npi', value: '123' }] },
      { resourceType: 'Observation', id: 'o1' },
    ];
    const epic = pageForwardOptions(connection('epic', {}), {}, page);
    expect(epic.resolveReference?.('Practitioner?identifier=urn:npi|123')).toBe('Practitioner/p1');
    expect(epic.resolveReference?.('Practitioner?identifier=urn:npi|999')).toBeUndefined();
    expect(pageForwardOptions(connection('drchrono', {}), {}, page).resolveReference).toBeUndefined();
  });
});
