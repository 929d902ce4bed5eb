import { BadRequest } from '../../../errors';
import { anyValueBody, ActionGroup, ServerAction } from './types';

/**
 * The nova-network era actions addFixedIp, removeFixedIp, addFloatingIp and removeFloatingIp. There
 * is no network service to act on here, so up to 2.43 they answer what an unknown action answers
 * (400); from 2.44, where Nova removed them, they answer Nova's 404.
 */
const removed = (name: string): ServerAction => ({
  maxVersion: '2.43',
  body: anyValueBody(name),
  response: null,
  handle: async () => { throw new BadRequest(`There is no such action: ${name}`); },
});

export const removedNetworkActions: ActionGroup = {
  addFixedIp: removed('addFixedIp'),
  removeFixedIp: removed('removeFixedIp'),
  addFloatingIp: removed('addFloatingIp'),
  removeFloatingIp: removed('removeFloatingIp'),
};
