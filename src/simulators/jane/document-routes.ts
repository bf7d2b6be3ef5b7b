import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../common/clock.ts';
import { json, type Router } from '../common/http-server.ts';
import type { createApiRoutes } from './api-guard.ts';
import { RESOURCES } from './catalog.ts';
import type { Clinic } from './clinic.ts';
import { validationError } from './errors.ts';
import type { StoredDocument } from './store.ts';

/** Where presigned document URLs point; outside the API so they need no token (as S3 links). */
export const FILES_PREFIX = '/_files';

const ACCEPTED_TYPES = new Set(['application/pdf', 'image/jpeg', 'image/png']);

export type DocumentRouteDeps = {
  api: ReturnType<typeof createApiRoutes>;
  router: Router;
  clock: Clock;
  clinicFor(slug: string | undefined): Clinic | undefined;
  maxUploadBytes: number;
  presignedUrlTtlMs: number;
};

/**
 * `POST /document-uploads` (multipart `file`: PDF, JPEG or PNG) and `GET /document-uploads/{id}`
 * (only for the app that uploaded it). Both answer `{id, file_path, created_at}` where
 * `file_path` is a presigned URL valid for a limited time.
 */
export function addDocumentRoutes(deps: DocumentRouteDeps): void {
  const spec = RESOURCES.document_uploads;
  const secret = randomBytes(32);
  const sign = (slug: string, id: string, expires: number) =>
    createHmac('sha256', secret).update(`${slug}/${id}/${expires}`).digest('hex');
  const view = (baseUrl: string, clinic: Clinic, doc: StoredDocument) => {
    const expires = deps.clock() + deps.presignedUrlTtlMs;
    const path = `${FILES_PREFIX}/${clinic.slug}/${doc.id}?expires=${expires}&signature=${sign(clinic.slug, doc.id, expires)}`;
    return { id: doc.id, file_path: `${baseUrl}${path}`, created_at: new Date(doc.createdAt).toISOString() };
  };
  const invalid = (message: string) => validationError([{ id: 'INVALID_FILE', path: '/file', message }]);

  deps.api.route('POST', spec.path, spec.createScope ?? '', async ({ req, clinic, token }) => {
    const type = req.headers['content-type'] ?? '';
    if (!type.toLowerCase().startsWith('multipart/form-data'))
      return invalid('The body must be multipart/form-data with a file part');
    if (Buffer.byteLength(req.rawBody) > deps.maxUploadBytes + 64 * 1024)
      return invalid('The file exceeds the maximum size');
    let file: File | string | null;
    try {
      file = (await new Response(req.rawBody, { headers: { 'content-type': type } }).formData()).get('file');
    } catch {
      return invalid('The multipart body could not be parsed');
    }
    if (!file || typeof file === 'string') return invalid('A file part named "file" is required');
    if (!ACCEPTED_TYPES.has(file.type)) return invalid('Accepted file types are PDF, JPEG and PNG');
    if (file.size > deps.maxUploadBytes) return invalid('The file exceeds the maximum size');
    if (file.size === 0) return invalid('The file is empty');
    const doc: StoredDocument = {
      id: randomUUID(),
      clientId: token.clientId,
      fileName: file.name,
      contentType: file.type,
      content: await file.text(),
      createdAt: clinic.store.stamp(),
    };
    clinic.store.documents.set(doc.id, doc);
    return json(201, view(req.baseUrl, clinic, doc));
  });

  deps.api.route('GET', `${spec.path}/:document_id`, spec.readScope, ({ req, clinic, token }) => {
    const doc = clinic.store.documents.get(req.params.document_id ?? '');
    if (!doc || doc.clientId !== token.clientId) {
      return json(404, { errors: [{ id: 'NOT_FOUND', message: 'The document was not found' }] });
    }
    return json(200, view(req.baseUrl, clinic, doc));
  });

  deps.router.add('GET', `${FILES_PREFIX}/:clinic/:document_id`, (req) => {
    const clinic = deps.clinicFor(req.params.clinic);
    const doc = clinic?.store.documents.get(req.params.document_id ?? '');
    const expires = Number(req.url.searchParams.get('expires'));
    const given = Buffer.from(req.url.searchParams.get('signature') ?? '');
    if (!clinic || !doc) return json(404, { error: 'Not Found' });
    const expected = Buffer.from(sign(clinic.slug, doc.id, expires));
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return json(403, { error: 'Signature does not match' });
    if (!(expires > deps.clock())) return json(403, { error: 'Request has expired' });
    return { status: 200, headers: { 'content-type': doc.contentType }, body: doc.content };
  });
}
