import { randomBytes } from 'node:crypto';
import { versioned } from '../../microversion';
import { evacuate } from '../../../compute/evacuate';
import { BadRequest } from '../../../errors';
import { ActionGroup, bodyOf } from './types';

const boolish = {
  type: ['boolean', 'string'],
  enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
    false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
} as const;
const fqdn = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' } as const;
const isTrue = (v: unknown) => v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes'].includes(v.toLowerCase()));

const evacuateBody = (extra: object, required: string[] = []) => bodyOf('evacuate', {
  type: 'object',
  properties: { host: fqdn, adminPass: { type: 'string' }, ...extra },
  ...(required.length && { required }),
  additionalProperties: false,
});

/**
 * evacuate (Nova's schemas/evacuate.py): onSharedStorage required up to 2.13 (gone from 2.14),
 * force from 2.29 to 2.67. 200; up to 2.13 the reply has the admin password (tempest's v2_1 evacuate_server).
 */
export const evacuateActions: ActionGroup = {
  evacuate: {
    body: versioned([
      { min: '2.1', max: '2.13', value: evacuateBody({ onSharedStorage: boolish }, ['onSharedStorage']) },
      { min: '2.14', max: '2.28', value: evacuateBody({}) },
      { min: '2.29', max: '2.67', value: evacuateBody({ force: boolish }) },
      { min: '2.68', value: evacuateBody({}) },
    ]),
    response: null,
    replies: { 'evacuate@2.1': { type: 'object', properties: { adminPass: { type: 'string' } }, required: ['adminPass'], additionalProperties: false } },
    handle: async (s, auth, id, body, version) => {
      const b = body.evacuate;
      const legacy = !version.atLeast('2.14');
      if (legacy && isTrue(b.onSharedStorage) && b.adminPass !== undefined) {
        throw new BadRequest("admin password can't be changed on existing disk");
      }
      await evacuate(s.compute, s.instances, s.hostServices, auth, id, {
        host: b.host, force: version.atLeast('2.29') && b.force !== undefined ? isTrue(b.force) : undefined,
      });
      if (!legacy) return { status: 200 };
      const adminPass: string = b.adminPass ?? randomBytes(9).toString('base64url').slice(0, 12);
      return { status: 200, body: { adminPass }, variant: 'evacuate@2.1' };
    },
  },
};
