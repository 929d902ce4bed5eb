import { metadata, name } from '../../parameter-types';
import { ActionGroup, bodyOf } from './types';

/** 2.45: the new image's id in the body (tempest's v2_45 create_image and create_backup), no Location. */
const imageIdReply = (format?: 'uuid') => ({
  type: 'object', properties: { image_id: { type: 'string', ...(format && { format }) } }, required: ['image_id'], additionalProperties: false,
});

/** createImage and createBackup: 202, the new image's URL in Location (2.1–2.44); from 2.45 `{"image_id"}` instead. */
export const snapshotActions: ActionGroup = {
  createImage: {
    body: bodyOf('createImage', {
      type: 'object',
      properties: { name, metadata },
      required: ['name'], additionalProperties: false,
    }),
    response: null,
    replies: { 'createImage@2.45': imageIdReply() },
    handle: async (s, auth, id, body, version) => {
      const { name: imageName, metadata: meta } = body.createImage;
      const image = await s.snapshots.createImage(auth, id, { name: imageName, metadata: meta });
      if (version.atLeast('2.45')) return { status: 202, body: { image_id: image.id }, variant: 'createImage@2.45' };
      return { status: 202, headers: { Location: s.snapshots.imageLocation(image.id) } };
    },
  },
  createBackup: {
    body: bodyOf('createBackup', {
      type: 'object',
      properties: {
        name,
        backup_type: { type: 'string' },
        // Nova's non_negative_integer: an integer or a digit string, at least 0
        rotation: { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 0 },
        metadata,
      },
      required: ['name', 'backup_type', 'rotation'], additionalProperties: false,
    }),
    response: null,
    replies: { 'createBackup@2.45': imageIdReply('uuid') },
    handle: async (s, auth, id, body, version) => {
      const { name: imageName, backup_type: backupType, rotation, metadata: meta } = body.createBackup;
      const keep = Number(rotation);
      const image = await s.snapshots.createBackup(auth, id, { name: imageName, backupType, rotation: keep, metadata: meta });
      if (version.atLeast('2.45')) return { status: 202, body: { image_id: image.id }, variant: 'createBackup@2.45' };
      // Nova names the image only when it may survive the rotation
      return { status: 202, ...(keep > 0 && { headers: { Location: s.snapshots.proxyLocation(image.id) } }) };
    },
  },
};
