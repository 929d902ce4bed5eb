import { metadata, name } from '../../parameter-types';
import { ActionGroup, bodyOf } from './types';

/** createImage and createBackup: 202, the new image's URL in Location (2.1; from 2.45 it is a body). */
export const snapshotActions: ActionGroup = {
  createImage: {
    body: bodyOf('createImage', {
      type: 'object',
      properties: { name, metadata },
      required: ['name'], additionalProperties: false,
    }),
    response: null,
    handle: async (s, auth, id, body) => {
      const { name: imageName, metadata: meta } = body.createImage;
      const image = await s.snapshots.createImage(auth, id, { name: imageName, metadata: meta });
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
    handle: async (s, auth, id, body) => {
      const { name: imageName, backup_type: backupType, rotation, metadata: meta } = body.createBackup;
      const keep = Number(rotation);
      const image = await s.snapshots.createBackup(auth, id, { name: imageName, backupType, rotation: keep, metadata: meta });
      // Nova names the image only when it may survive the rotation
      return { status: 202, ...(keep > 0 && { headers: { Location: s.snapshots.proxyLocation(image.id) } }) };
    },
  },
};
