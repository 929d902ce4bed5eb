import { triggerCrashDump } from '../../../compute/crash-dump';
import { ActionGroup, bodyOf } from './types';

/** trigger_crash_dump (2.17; Nova's schema: the value must be null). */
export const crashDumpActions: ActionGroup = {
  trigger_crash_dump: {
    minVersion: '2.17',
    body: { type: 'object', properties: { trigger_crash_dump: { type: 'null' } }, required: ['trigger_crash_dump'], additionalProperties: false },
    response: null,
    handle: async (s, auth, id) => {
      await triggerCrashDump(s.compute, s.drivers, auth, id);
      return { status: 202 };
    },
  },
};
