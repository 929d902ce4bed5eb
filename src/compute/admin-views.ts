import type { Logger } from '../log';
import type { DriverRegistry } from '../drivers/registry';
import type { InstanceStore } from '../db/stores/instances';
import type { HostServices } from './host-services';
import type { TaskRunner } from './tasks';
import type { InstanceActionRecorder } from './instance-actions';
import { TenantUsageService } from './tenant-usage';
import { UsageAuditLogService } from './usage-audit-log';
import { ExternalEventService } from './external-events';
import { DiagnosticsService } from './diagnostics';

/** The admin views over real data: tenant usage, the usage audit log, external events, server diagnostics. */
export interface AdminViews {
  readonly usage: TenantUsageService;
  readonly auditLog: UsageAuditLogService;
  readonly events: ExternalEventService;
  readonly diagnostics: DiagnosticsService;
}

export function createAdminViews(d: {
  instances: InstanceStore; drivers: DriverRegistry; hostServices: HostServices; tasks: TaskRunner;
  actions: InstanceActionRecorder; log: Logger;
}): AdminViews {
  return {
    usage: new TenantUsageService(d.instances),
    auditLog: new UsageAuditLogService(d.hostServices),
    events: new ExternalEventService({ instances: d.instances, drivers: d.drivers, tasks: d.tasks, actions: d.actions, log: d.log }),
    diagnostics: new DiagnosticsService(d.drivers),
  };
}
