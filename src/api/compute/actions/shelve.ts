import { accepted, anyValueBody, ActionGroup } from './types';

/** shelve, shelveOffload and unshelve: 202, no body; Nova validates no body for them before 2.77 (`null`). */
export const shelveActions: ActionGroup = {
  shelve: { body: anyValueBody('shelve'), response: null, handle: (s, auth, id) => accepted(s.shelve.shelve(auth, id)) },
  shelveOffload: { body: anyValueBody('shelveOffload'), response: null, handle: (s, auth, id) => accepted(s.shelve.shelveOffload(auth, id)) },
  unshelve: { body: anyValueBody('unshelve'), response: null, handle: (s, auth, id) => accepted(s.shelve.unshelve(auth, id)) },
};
