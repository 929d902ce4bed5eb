import type Koa from 'koa';
import type { Config } from '../../config';
import type { RouteDef, Input } from '../routing';
import type { ImageService, NewImage } from '../../image/service';
import { MethodNotAllowed, NotFound } from '../../errors';
import { assertSettable, FIELD_OF, isWritable } from '../../image/attributes';
import { validateInput } from '../validation';
import { imageValidationSchema } from './schemas/image-document';
import * as schemas from './schemas/images';
import { imageHref, imageListView, imageView, pageLinks } from './views/images';
import { parseListQuery } from './list-params';
import { readPatchRequest } from './patch-request';

/** /v2/images and /v2/images/{id}, and the image's tags. */
export function imagesRoutes(images: ImageService, config: Config): RouteDef[] {
  return [
    {
      name: 'images.create', method: 'POST', path: '/v2/images', auth: 'token', ...schemas.create,
      errors: [400, 401, 403, 409, 413, 415],
      handler: async ({ auth, body }) => {
        const image = await images.create(auth, toNewImage(body));
        return { status: 201, body: imageView(image), headers: { Location: `${config.publicUrl}/image${imageHref(image.id)}` } };
      },
    },
    {
      name: 'images.list', method: 'GET', path: '/v2/images', auth: 'token', ...schemas.list, errors: [400, 401, 404],
      handler: async ({ auth, query }, ctx) => {
        rejectEmptyId(ctx);
        const request = parseListQuery(query);
        const found = await images.list(auth, request);
        return { status: 200, body: imageListView(found, pageLinks(ctx.querystring, found, request.limit)) };
      },
    },
    {
      name: 'images.empty_id', method: 'DELETE', path: '/v2/images', auth: 'token', body: null, ...schemas.noContent, errors: [401, 404, 405],
      handler: async (_input, ctx) => {
        rejectEmptyId(ctx);
        const err = new MethodNotAllowed('The method specified is not allowed for this resource.');
        err.headers = { Allow: 'GET, POST' };
        throw err;
      },
    },
    {
      name: 'images.show', method: 'GET', path: '/v2/images/:imageId', auth: 'token', ...schemas.show, errors: [401, 404],
      handler: async ({ auth, params }) => ({ status: 200, body: imageView(await images.getVisible(params.imageId, auth)) }),
    },
    {
      name: 'images.update', method: 'PATCH', path: '/v2/images/:imageId', auth: 'token', ...schemas.update,
      errors: [400, 401, 403, 404, 409, 413, 415],
      handler: async ({ auth, params }, ctx) => {
        const patch = await readPatchRequest(ctx, config.maxRequestBodyBytes);
        const image = await images.update(auth, params.imageId, patch.changes, { strictAdd: patch.strictAdd });
        return { status: 200, body: imageView(image) };
      },
    },
    {
      name: 'images.delete', method: 'DELETE', path: '/v2/images/:imageId', auth: 'token', body: null, ...schemas.noContent, errors: [401, 403, 404],
      handler: async ({ auth, params }) => {
        await images.delete(auth, params.imageId);
        return { status: 204 };
      },
    },
    {
      // Glance ignores any body here; 'raw' leaves it unread
      name: 'images.tags.add', method: 'PUT', path: '/v2/images/:imageId/tags/:tag', auth: 'token', body: 'raw', ...schemas.noContent,
      errors: [400, 401, 403, 404, 413],
      handler: async ({ auth, params }) => {
        validateInput(imageValidationSchema, { tags: [params.tag] });
        await images.addTag(auth, params.imageId, params.tag);
        return { status: 204 };
      },
    },
    {
      name: 'images.tags.delete', method: 'DELETE', path: '/v2/images/:imageId/tags/:tag', auth: 'token', body: null, ...schemas.noContent,
      errors: [401, 403, 404],
      handler: async ({ auth, params }) => {
        await images.removeTag(auth, params.imageId, params.tag);
        return { status: 204 };
      },
    },
  ];
}

/** Splits a create body into base attributes and additional properties; 403 for attributes no client sets. */
function toNewImage(body: Input['body']): NewImage {
  const image: Record<string, unknown> = {};
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === 'id') image.id = value;
    else if (isWritable(key)) image[FIELD_OF[key]] = value;
    else {
      assertSettable(key, true);
      properties[key] = value as string;
    }
  }
  return { ...image, properties } as NewImage;
}

/** `/v2/images/` is an image with an empty id, not the collection (tempest expects 404). */
function rejectEmptyId(ctx: Koa.Context): void {
  if (ctx.path.endsWith('/')) throw new NotFound('The resource could not be found.');
}
