import type { ActionGroup } from './types';
import { powerActions } from './power';
import { consoleActions } from './console';

/** Every server action, by the body key that names it. One line per feature group. */
export const SERVER_ACTIONS: ActionGroup = {
  ...powerActions,
  ...consoleActions,
};
