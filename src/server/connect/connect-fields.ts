import type { SourceSystem } from '../../fhir/identity.ts';

/**
 * What /connect asks for, per source, as data. `derive` turns the answers into the URLs the
 * OAuth flow and the connector need.
 */
export type ConnectField = {
  name: string;
  label: string;
  type: 'url' | 'text' | 'password';
  placeholder?: string;
  defaultValue?: string;
  required: boolean;
};

export const CONNECT_FIELDS: Readonly<Record<SourceSystem, readonly ConnectField[]>> = {
  jane: [
    {
      name: 'clinicUrl',
      label: 'Clinic URL',
      type: 'url',
      placeholder: 'https://yourclinic.janeapp.com',
      required: true,
    },
    { name: 'clientId', label: 'Client ID (Jane Developer Platform)', type: 'text', required: true },
    { name: 'clientSecret', label: 'Client secret', type: 'password', required: true },
    {
      name: 'identityUrl',
      label: 'Jane identity provider (realm URL)',
      type: 'url',
      defaultValue: 'https://login.id.janeapp.com/realms/jane',
      required: true,
    },
  ],
  drchrono: [
    {
      name: 'baseUrl',
      label: 'DrChrono URL',
      type: 'url',
      defaultValue: 'https://app.drchrono.com',
      required: true,
    },
    { name: 'clientId', label: 'Client ID', type: 'text', required: true },
    { name: 'clientSecret', label: 'Client secret', type: 'password', required: true },
  ],
  epic: [
    {
      name: 'fhirBaseUrl',
      label: 'FHIR base URL',
      type: 'url',
      placeholder: 'https://…/api/FHIR/R4',
      required: true,
    },
    {
      name: 'tokenUrl',
      label: 'Token URL',
      type: 'url',
      placeholder: 'https://…/oauth2/token',
      required: true,
    },
    { name: 'clientId', label: 'Backend client ID', type: 'text', required: true },
    { name: 'groupId', label: 'Bulk Data Group ID', type: 'text', required: true },
  ],
};

/** Where the authorization code flow goes for the answers given (Epic has no consent step). */
export function oauthEndpoints(
  source: 'jane' | 'drchrono',
  answers: Record<string, string>,
): { authorizeUrl: string; tokenUrl: string } {
  if (source === 'jane') {
    const realm = (answers.identityUrl ?? '').replace(/\/+$/, '');
    return {
      authorizeUrl: `${realm}/protocol/openid-connect/auth`,
      tokenUrl: `${realm}/protocol/openid-connect/token`,
    };
  }
  const base = (answers.baseUrl ?? '').replace(/\/+$/, '');
  return { authorizeUrl: `${base}/o/authorize/`, tokenUrl: `${base}/o/token/` };
}
