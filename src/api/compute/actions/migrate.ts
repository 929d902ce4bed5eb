import { versioned } from '../../microversion';
import type { Schema } from '../../validation';
import { accepted, ActionGroup } from './types';

/** Nova's parameter_types.boolean */
const boolish = {
  type: ['boolean', 'string'],
  enum: [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
    false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
} as const;

/** Nova's migrate_server host: parameter_types.fqdn, or null */
const host = { type: ['string', 'null'], minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' } as const;

/** oslo's bool_from_string(strict=True) over the enum above */
const truthy = (v: unknown) => v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes'].includes(v.toLowerCase()));

/** Before 2.56 Nova validates no migrate body at all: `{"migrate": <anything>}`. */
const migrateAny: Schema = { type: 'object', properties: { migrate: {} }, required: ['migrate'], additionalProperties: false };
/** 2.56: `{"migrate": null}` or `{"migrate": {"host": …}}` */
const migrateV256: Schema = {
  type: 'object',
  properties: { migrate: { type: ['object', 'null'], properties: { host }, additionalProperties: false } },
  required: ['migrate'],
  additionalProperties: false,
};

const liveBody = (inner: Record<string, object>, required: string[]): Schema => ({
  type: 'object',
  properties: { 'os-migrateLive': { type: 'object', properties: inner, required, additionalProperties: false } },
  required: ['os-migrateLive'],
  additionalProperties: false,
});
const autoOrBool = { ...boolish, enum: [...boolish.enum, 'auto'] };

/** Nova's migrate_live (2.1), migrate_live_v2_25 (no disk_over_commit, block_migration "auto"), v2_30 (force), v2_68 (no force). */
const liveV21 = liveBody({ block_migration: boolish, disk_over_commit: boolish, host }, ['block_migration', 'disk_over_commit', 'host']);
const liveV225 = liveBody({ block_migration: autoOrBool, host }, ['block_migration', 'host']);
const liveV230 = liveBody({ block_migration: autoOrBool, host, force: boolish }, ['block_migration', 'host']);

/** migrate and os-migrateLive (Nova's migrate_server.py), admin only. */
export const migrateActions: ActionGroup = {
  migrate: {
    body: versioned([{ min: '2.1', max: '2.55', value: migrateAny }, { min: '2.56', value: migrateV256 }]),
    response: null,
    handle: (s, auth, id, body, version) => {
      const host = version.atLeast('2.56') && body.migrate ? body.migrate.host ?? null : null;
      return accepted(s.migrations.migrate(auth, id, host));
    },
  },
  'os-migrateLive': {
    body: versioned([
      { min: '2.1', max: '2.24', value: liveV21 },
      { min: '2.25', max: '2.29', value: liveV225 },
      { min: '2.30', max: '2.67', value: liveV230 },
      { min: '2.68', value: liveV225 },
    ]),
    response: null,
    handle: (s, auth, id, body, version) => {
      const live = body['os-migrateLive'];
      // from 2.30 force defaults to False (the scheduler checks the host); before, the host is taken as given
      const force = version.atLeast('2.30') ? truthy(live.force ?? false) : null;
      return accepted(s.migrations.liveMigrate(auth, id, live.host ?? null, { force, async: version.atLeast('2.34') }));
    },
  },
};
