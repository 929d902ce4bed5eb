import type { ActionGroup } from './types';
import { powerActions } from './power';
import { consoleActions } from './console';
import { adminPasswordActions } from './admin-password';
import { snapshotActions } from './snapshots';
import { lockActions } from './lock';
import { pauseSuspendActions } from './pause-suspend';
import { rebuildResizeActions } from './rebuild-resize';
import { remoteConsoleActions } from './remote-consoles';
import { rescueActions } from './rescue';
import { shelveActions } from './shelve';
import { adminActions } from './admin-actions';
import { migrateActions } from './migrate';
import { deferredDeleteActions } from './deferred-delete';
import { crashDumpActions } from './crash-dump';
import { removedNetworkActions } from './removed-network-actions';
import { evacuateActions } from './evacuate';

/** Every server action, by the body key that names it. One line per feature group. */
export const SERVER_ACTIONS: ActionGroup = {
  ...powerActions,
  ...consoleActions,
  ...adminPasswordActions,
  ...snapshotActions,
  ...lockActions,
  ...pauseSuspendActions,
  ...rebuildResizeActions,
  ...remoteConsoleActions,
  ...rescueActions,
  ...shelveActions,
  ...adminActions,
  ...migrateActions,
  ...deferredDeleteActions,
  ...crashDumpActions,
  ...removedNetworkActions,
  ...evacuateActions,
};
