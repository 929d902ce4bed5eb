import { accepted, anyValueBody, ActionGroup, bodyOf } from './types';
import { versioned } from '../../microversion';
import { name } from '../../parameter-types';
import { unshelveTarget } from '../../../compute/unshelve-zone';

/** shelve, shelveOffload and unshelve: 202, no body; Nova validates no body for them before 2.77 (`null`). */
export const shelveActions: ActionGroup = {
  shelve: { body: anyValueBody('shelve'), response: null, handle: (s, auth, id) => accepted(s.shelve.shelve(auth, id)) },
  shelveOffload: { body: anyValueBody('shelveOffload'), response: null, handle: (s, auth, id) => accepted(s.shelve.shelveOffload(auth, id)) },
  unshelve: {
    // Nova validates no body before 2.77; from 2.77 null or {"availability_zone": <name>} (required: {} is refused)
    body: versioned([
      { min: '2.1', max: '2.76', value: anyValueBody('unshelve') },
      { min: '2.77', value: bodyOf('unshelve', { type: ['object', 'null'], properties: { availability_zone: name }, required: ['availability_zone'], additionalProperties: false }) },
    ]),
    response: null,
    handle: async (s, auth, id, body, version) => {
      const zone: string | undefined = version.atLeast('2.77') ? body.unshelve?.availability_zone : undefined;
      return accepted(s.shelve.unshelve(auth, id, await unshelveTarget(s.compute, s.zones, auth, id, zone)));
    },
  },
};
