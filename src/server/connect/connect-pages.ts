import type { SourceSystem } from '../../fhir/identity.ts';
import { SOURCE_SYSTEM_DISPLAY } from '../../fhir/identity.ts';
import type { ConnectField } from './connect-fields.ts';

/** The connect flow's HTML pages: plain forms, no script, everything escaped. */
const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} — FHIR gateway</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem;font-size:1rem}
button{margin-top:1rem;font-size:1rem;padding:.5rem 1.25rem}.status{padding:.75rem;border-radius:.25rem}
.ok{background:#e6f4ea}.bad{background:#fce8e6}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

export function connectFormPage(input: {
  source: SourceSystem;
  tenant: string;
  ticket: string;
  fields: readonly ConnectField[];
  suggestedId: string;
}): string {
  const fields = input.fields
    .map(
      (f) => `<label for="${f.name}">${escapeHtml(f.label)}</label>
<input id="${f.name}" name="${f.name}" type="${f.type}"${f.required ? ' required' : ''}${
        f.defaultValue ? ` value="${escapeHtml(f.defaultValue)}"` : ''
      }${f.placeholder ? ` placeholder="${escapeHtml(f.placeholder)}"` : ''}>`,
    )
    .join('\n');
  const consent =
    input.source === 'epic'
      ? '<p>Epic uses backend services: no consent page. The gateway makes a key pair for this connection and publishes its public key at <code>/.well-known/jwks.json</code>; register that URL with the Epic app.</p>'
      : `<p>Next you approve access on ${escapeHtml(SOURCE_SYSTEM_DISPLAY[input.source])}'s own page.</p>`;
  return page(
    `Connect ${SOURCE_SYSTEM_DISPLAY[input.source]}`,
    `<p>Tenant <strong>${escapeHtml(input.tenant)}</strong>.</p>${consent}
<form method="post" action="/connect">
<input type="hidden" name="ticket" value="${escapeHtml(input.ticket)}">
<label for="connectionId">Connection name</label>
<input id="connectionId" name="connectionId" type="text" required pattern="[A-Za-z0-9._~-]{1,64}" value="${escapeHtml(input.suggestedId)}">
${fields}
<button type="submit" id="connect">Connect</button>
</form>`,
  );
}

export function connectedPage(input: {
  source: SourceSystem;
  tenant: string;
  connectionId: string;
  note?: string;
}): string {
  return page(
    `${SOURCE_SYSTEM_DISPLAY[input.source]} connected`,
    `<p class="status ok" id="status">Connection <strong id="connection">${escapeHtml(input.connectionId)}</strong> for tenant <strong>${escapeHtml(
      input.tenant,
    )}</strong> is <strong>active</strong>.</p>${input.note ? `<p>${escapeHtml(input.note)}</p>` : ''}
<p>Its records start flowing at the next sync run.</p>`,
  );
}

export function problemPage(title: string, message: string): string {
  return page(title, `<p class="status bad" id="status">${escapeHtml(message)}</p>`);
}
