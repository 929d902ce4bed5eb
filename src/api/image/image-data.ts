import type Koa from 'koa';
import type { RouteDef } from '../routing';
import type { ImageService } from '../../image/service';
import { UnsupportedMediaType } from '../../errors';
import * as schemas from './schemas/images';

/** PUT and GET /v2/images/{id}/file: the image data, streamed both ways. */
export function imageDataRoutes(images: ImageService): RouteDef[] {
  return [
    {
      name: 'images.data.upload', method: 'PUT', path: '/v2/images/:imageId/file', auth: 'token', body: 'raw', ...schemas.noContent,
      errors: [400, 401, 403, 404, 409, 410, 413, 415],
      handler: async ({ auth, params }, ctx) => {
        if (ctx.request.type !== 'application/octet-stream') {
          throw new UnsupportedMediaType(`Content type ${ctx.get('content-type') || '(none)'} is not supported for image data; use application/octet-stream.`);
        }
        await images.upload(auth, params.imageId, ctx.req, declaredLength(ctx));
        return { status: 204 };
      },
    },
    {
      name: 'images.data.download', method: 'GET', path: '/v2/images/:imageId/file', auth: 'token', ...schemas.download,
      errors: [401, 404],
      handler: async ({ auth, params }) => {
        const { image, data } = await images.openData(auth, params.imageId);
        // no data yet: Glance answers 204
        if (!data) return { status: 204 };
        const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(image.size ?? 0) };
        if (image.checksum) headers['Content-MD5'] = image.checksum;
        return { status: 200, headers, body: data };
      },
    },
  ];
}

/** Content-Length when the client sent one (chunked uploads have none). */
function declaredLength(ctx: Koa.Context): number | null {
  const raw = ctx.get('content-length');
  return /^\d+$/.test(raw) ? Number(raw) : null;
}
